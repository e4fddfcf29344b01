/**
 * Model versions (docs/mlflow-rest.md §1 "Model registry", §4 "Registry"). Dispatch hands over the version and
 * its model, and for changes lets only whoever registered the model (or an admin) through.
 */
import type { Db } from "@/db/client";
import {
  deleteModelVersionTag,
  insertModelVersion,
  searchModelVersionRows,
  softDeleteModelVersion,
  transitionModelVersion,
  updateModelVersionRow,
  upsertModelVersionTag,
  type ModelVersionRow,
  type RegisteredModelRow,
} from "@/db/queries/registry";
import { findRun } from "@/db/queries/tracking";
import { nowOf, type Body, type TrackingContext } from "../context";
import { doesNotExist, invalidParam } from "../errors";
import type { Input, registry } from "../http/schemas";
import type { ModelVersionTarget } from "../http/targets";
import { loggedModelForSource, noteModelVersion } from "../logged-models/registry-link";
import { decodePageToken, pageOf } from "../search/page-token";
import { compileModelVersionFilter, compileModelVersionOrderBy } from "../search/registry-sql";
import { modelVersionsToWire } from "./entities";
import { maxResults } from "./registered-models";

export const MAX_VERSIONS_SEARCH_RESULTS = 200_000;

async function versionBody(db: Db, row: ModelVersionRow): Promise<Body> {
  const [wire] = await modelVersionsToWire(db, [row]);
  return { model_version: wire };
}

export async function createModelVersion(ctx: TrackingContext, input: Input<typeof registry.createVersion>, model: RegisteredModelRow): Promise<Body> {
  const runId = input.run_id || undefined;
  // MLflow 3 clients register `models:/<model_id>` or `runs:/<run>/<name>`; the version then points at the
  // logged model's files, so get-download-uri answers with a location the artifact API serves.
  const logged = await loggedModelForSource(ctx.db, input.source, input.model_id || undefined);
  const stored = logged ? { source: logged.artifactLocation, runId: runId ?? logged.sourceRunId } : { source: input.source, runId: runId ?? null };
  const row = await insertModelVersion(ctx.db, {
    name: model.name,
    ...stored,
    runLink: input.run_link || null,
    description: input.description || null,
    userId: ctx.principal.name,
    now: nowOf(ctx),
    tags: input.tags,
  });
  if (!row) throw doesNotExist(`Registered Model with name=${model.name} not found`);
  if (logged) await noteModelVersion(ctx.db, logged, row.name, row.version, nowOf(ctx));
  return versionBody(ctx.db, row);
}

export const getModelVersion = (ctx: TrackingContext, _input: unknown, { version }: ModelVersionTarget) => versionBody(ctx.db, version);

export async function searchModelVersions(ctx: TrackingContext, input: Input<typeof registry.search>): Promise<Body> {
  const max = maxResults(input.max_results, MAX_VERSIONS_SEARCH_RESULTS, MAX_VERSIONS_SEARCH_RESULTS);
  const offset = decodePageToken(input.page_token);
  const filter = compileModelVersionFilter(input.filter ?? "");
  const orderBy = compileModelVersionOrderBy(input.order_by);
  const { page, next_page_token } = pageOf(await searchModelVersionRows(ctx.db, { filter, orderBy, limit: max + 1, offset }), max, offset);
  return { ...(page.length > 0 ? { model_versions: await modelVersionsToWire(ctx.db, page) } : {}), ...(next_page_token ? { next_page_token } : {}) };
}

export async function updateModelVersion(ctx: TrackingContext, { description }: Input<typeof registry.updateVersion>, { version: mv }: ModelVersionTarget): Promise<Body> {
  const row = await updateModelVersionRow(ctx.db, mv.name, mv.version, { lastUpdatedTime: nowOf(ctx), ...(description !== undefined ? { description } : {}) });
  return versionBody(ctx.db, row ?? mv);
}

export async function deleteModelVersion(ctx: TrackingContext, _input: unknown, { version: mv }: ModelVersionTarget): Promise<Body> {
  await softDeleteModelVersion(ctx.db, mv.name, mv.version, nowOf(ctx));
  return {};
}

export async function transitionModelVersionStage(ctx: TrackingContext, input: Input<typeof registry.transition>, { version: mv }: ModelVersionTarget): Promise<Body> {
  const { stage } = input;
  const archive = input.archive_existing_versions ?? false;
  if (archive && stage !== "Staging" && stage !== "Production") {
    throw invalidParam(`Model version transition cannot archive existing model versions because '${stage}' is not an Active stage. Valid stages are Staging, Production.`);
  }
  const row = await transitionModelVersion(ctx.db, mv.name, mv.version, stage, archive, nowOf(ctx));
  return versionBody(ctx.db, row ?? mv);
}

export async function setModelVersionTag(ctx: TrackingContext, { key, value }: Input<typeof registry.setVersionTag>, { version: mv }: ModelVersionTarget): Promise<Body> {
  await upsertModelVersionTag(ctx.db, mv.name, mv.version, { key, value });
  return {};
}

export async function deleteModelVersionTagOp(ctx: TrackingContext, { key }: Input<typeof registry.deleteVersionTag>, { version: mv }: ModelVersionTarget): Promise<Body> {
  await deleteModelVersionTag(ctx.db, mv.name, mv.version, key);
  return {};
}

export async function getModelVersionDownloadUri(ctx: TrackingContext, _input: unknown, { version: mv }: ModelVersionTarget): Promise<Body> {
  return { artifact_uri: await underlyingUri(ctx.db, mv.source) };
}

/**
 * MLflow answers get-download-uri with where the files are, not with the `runs:/<run>/<path>` the
 * version was registered from (RunsArtifactRepository.get_underlying_uri); a run that is gone leaves
 * the source as it was.
 */
async function underlyingUri(db: Db, source: string): Promise<string> {
  const m = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(source);
  if (!m?.[1]) return source;
  const run = await findRun(db, m[1]);
  if (!run) return source;
  const path = (m[2] ?? "").replace(/^\/+|\/+$/g, "");
  return path ? `${run.artifactUri.replace(/\/+$/, "")}/${path}` : run.artifactUri;
}
