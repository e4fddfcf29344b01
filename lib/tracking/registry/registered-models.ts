/**
 * Registered models and their tags and aliases (docs/mlflow-rest.md §1 "Model registry", §4 "Registry").
 * Dispatch hands over the model, and for changes lets only whoever registered it (or an admin) through.
 * Aliases are the main way to point at a version; stages are kept for older clients.
 */
import type { Db } from "@/db/client";
import {
  deleteAlias,
  deleteModelTag,
  deleteRegisteredModelRow,
  findAlias,
  findModelVersion,
  insertRegisteredModel,
  latestVersionsOf,
  renameRegisteredModel,
  searchRegisteredModelRows,
  setAlias,
  updateRegisteredModelRow,
  upsertModelTags,
  type RegisteredModelRow,
} from "@/db/queries/registry";
import { nowOf, type Body, type TrackingContext } from "../context";
import { TrackingError, invalidParam } from "../errors";
import type { Input, registry } from "../http/schemas";
import { modelVersionOrThrow } from "../http/targets";
import { decodePageToken, pageOf } from "../search/page-token";
import { compileRegisteredModelFilter, compileRegisteredModelOrderBy } from "../search/registry-sql";
import { MODEL_STAGES } from "../validation";
import { modelVersionsToWire, registeredModelsToWire } from "./entities";

export const MAX_MODELS_SEARCH_RESULTS = 1000;

/** max_results within [1, max], `def` when absent. */
export function maxResults(n: number | undefined, def: number, max: number): number {
  if (n === undefined) return def;
  if (n < 1 || n > max) throw invalidParam(`Invalid value ${n} for parameter 'max_results' supplied. It must be at least 1 and at most ${max}.`);
  return n;
}

async function modelBody(db: Db, row: RegisteredModelRow): Promise<Body> {
  const [wire] = await registeredModelsToWire(db, [row]);
  return { registered_model: wire };
}

export async function createRegisteredModel(ctx: TrackingContext, { name, tags, description }: Input<typeof registry.createModel>): Promise<Body> {
  const row = await insertRegisteredModel(ctx.db, { name, description: description || null, userId: ctx.principal.name, ownerId: ctx.principal.userId ?? null, now: nowOf(ctx), tags });
  if (!row) throw new TrackingError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${name}) already exists.`);
  return modelBody(ctx.db, row);
}

export const getRegisteredModel = (ctx: TrackingContext, _input: unknown, model: RegisteredModelRow) => modelBody(ctx.db, model);

export async function searchRegisteredModels(ctx: TrackingContext, input: Input<typeof registry.search>): Promise<Body> {
  const max = maxResults(input.max_results, 100, MAX_MODELS_SEARCH_RESULTS);
  const offset = decodePageToken(input.page_token);
  const filter = compileRegisteredModelFilter(input.filter ?? "");
  const orderBy = compileRegisteredModelOrderBy(input.order_by);
  const { page, next_page_token } = pageOf(await searchRegisteredModelRows(ctx.db, { filter, orderBy, limit: max + 1, offset }), max, offset);
  return { ...(page.length > 0 ? { registered_models: await registeredModelsToWire(ctx.db, page) } : {}), ...(next_page_token ? { next_page_token } : {}) };
}

export async function updateRegisteredModel(ctx: TrackingContext, { description }: Input<typeof registry.updateModel>, model: RegisteredModelRow): Promise<Body> {
  const row = await updateRegisteredModelRow(ctx.db, model.name, { lastUpdatedTime: nowOf(ctx), ...(description !== undefined ? { description } : {}) });
  return modelBody(ctx.db, row ?? model);
}

export async function renameModel(ctx: TrackingContext, { new_name: newName }: Input<typeof registry.rename>, model: RegisteredModelRow): Promise<Body> {
  if (newName === model.name) return modelBody(ctx.db, model);
  const row = await renameRegisteredModel(ctx.db, model.name, newName, nowOf(ctx));
  if (!row) throw new TrackingError("RESOURCE_ALREADY_EXISTS", `Registered Model (name=${newName}) already exists.`);
  return modelBody(ctx.db, row);
}

export async function deleteRegisteredModel(ctx: TrackingContext, _input: unknown, model: RegisteredModelRow): Promise<Body> {
  await deleteRegisteredModelRow(ctx.db, model.name);
  return {};
}

export async function setRegisteredModelTag(ctx: TrackingContext, { key, value }: Input<typeof registry.setModelTag>, model: RegisteredModelRow): Promise<Body> {
  await upsertModelTags(ctx.db, model.name, [{ key, value }]);
  return {};
}

export async function deleteRegisteredModelTag(ctx: TrackingContext, { key }: Input<typeof registry.deleteModelTag>, model: RegisteredModelRow): Promise<Body> {
  await deleteModelTag(ctx.db, model.name, key);
  return {};
}

export async function setRegisteredModelAlias(ctx: TrackingContext, { alias, version }: Input<typeof registry.setAlias>, model: RegisteredModelRow): Promise<Body> {
  await modelVersionOrThrow(ctx.db, model.name, version);
  await setAlias(ctx.db, model.name, alias, version, nowOf(ctx));
  return {};
}

export async function deleteRegisteredModelAlias(ctx: TrackingContext, { alias }: Input<typeof registry.alias>, model: RegisteredModelRow): Promise<Body> {
  await deleteAlias(ctx.db, model.name, alias);
  return {};
}

export async function getModelVersionByAlias(ctx: TrackingContext, { alias }: Input<typeof registry.alias>, model: RegisteredModelRow): Promise<Body> {
  const found = await findAlias(ctx.db, model.name, alias);
  const row = found && (await findModelVersion(ctx.db, model.name, found.version));
  if (!row) throw invalidParam(`Registered model alias ${alias} not found.`);
  const [wire] = await modelVersionsToWire(ctx.db, [row]);
  return { model_version: wire };
}

export async function getLatestVersions(ctx: TrackingContext, { stages }: Input<typeof registry.latestVersions>, model: RegisteredModelRow): Promise<Body> {
  const rows = await latestVersionsOf(ctx.db, [model.name], stages);
  const order = (s: string) => (MODEL_STAGES as readonly string[]).indexOf(s);
  rows.sort((a, b) => order(a.currentStage) - order(b.currentStage));
  return rows.length > 0 ? { model_versions: await modelVersionsToWire(ctx.db, rows) } : {};
}
