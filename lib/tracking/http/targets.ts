/**
 * What an operation acts on and who may: each row of the operation table (operations.ts) names its target
 * (the experiment, run, registered model, model version or logged model its input points at) and whether it
 * reads, creates or changes. Dispatch loads the target once (404 in MLflow's words when it is missing) and,
 * for a change, lets only its owner or an admin through (lib/auth/ownership.ts), before the handler runs.
 */
import type { Db } from "@/db/client";
import { findLoggedModel, type LoggedModelRow } from "@/db/queries/logged-models";
import { findModelVersion, findRegisteredModel, type ModelVersionRow, type RegisteredModelRow } from "@/db/queries/registry";
import { findExperiment, findRun, type ExperimentRow, type RunRow } from "@/db/queries/tracking";
import { assertMayChange, type Owner } from "@/lib/auth/ownership";
import type { Principal } from "@/lib/auth/principal";
import type { TrackingContext } from "../context";
import { doesNotExist, invalidParam, permissionDenied } from "../errors";
import { parseExperimentId, validateRunId } from "../validation";
import { missingParam } from "./fields";

export type ModelVersionTarget = { model: RegisteredModelRow; version: ModelVersionRow };
/** `run_id`, or the deprecated `run_uuid` the client sends beside it. */
type RunRef = { run_id?: string | undefined; run_uuid?: string | undefined };

/** Each kind of target, the input fields that name it, and what dispatch hands the handler. */
interface Kinds {
  none: { keys: object; row: undefined };
  experiment: { keys: { experiment_id: string }; row: ExperimentRow };
  /** A run that must be active to be changed (all run writes but delete and restore). */
  "active-run": { keys: RunRef; row: RunRow };
  run: { keys: RunRef; row: RunRow };
  "registered-model": { keys: { name: string }; row: RegisteredModelRow };
  "model-version": { keys: { name: string; version: number }; row: ModelVersionTarget };
  "logged-model": { keys: { model_id: string }; row: LoggedModelRow };
}

export type TargetKind = keyof Kinds;
export type TargetKeys<K extends TargetKind> = Kinds[K]["keys"];
export type TargetOf<K extends TargetKind> = Kinds[K]["row"];

export interface Access<K extends TargetKind> {
  kind: K;
  /** read: no transaction, no owner check; create: one transaction; change: one transaction, owner or admin. */
  mode: "read" | "create" | "change";
}

export const reads = <K extends TargetKind = "none">(kind: K = "none" as K): Access<K> => ({ kind, mode: "read" });
export const creates = <K extends TargetKind = "none">(kind: K = "none" as K): Access<K> => ({ kind, mode: "create" });
export const changes = <K extends TargetKind>(kind: K): Access<K> => ({ kind, mode: "change" });

const LOGGED_MODEL_ID = /^m-[0-9a-f]{32}$/;

export async function runOrThrow(db: Db, id: string): Promise<RunRow> {
  const row = await findRun(db, id);
  if (!row) throw doesNotExist(`Run with id=${id} not found`);
  return row;
}

export async function modelVersionOrThrow(db: Db, name: string, version: number): Promise<ModelVersionRow> {
  const row = await findModelVersion(db, name, version);
  if (!row) throw doesNotExist(`Model Version (name=${name}, version=${version}) not found`);
  return row;
}

export async function loggedModelOrThrow(db: Db, id: string): Promise<LoggedModelRow> {
  const row = LOGGED_MODEL_ID.test(id) ? await findLoggedModel(db, id) : undefined;
  if (!row) throw doesNotExist(`Logged model with ID '${id}' not found.`);
  return row;
}

/** Only the run's creator or an admin may write to it (and say it produced a model). */
export function assertRunWriter(p: Principal, run: RunRow, action = `write to run ${run.runUuid}`): void {
  assertMayChange(p, { id: run.ownerId, name: run.userId }, action, permissionDenied);
}

interface Loaded<T> {
  row: T;
  /** Who may change it, and the refusal's words for what. */
  owner?: Owner;
  action?: string;
}

async function loadRun(db: Db, { run_id, run_uuid }: RunRef): Promise<Loaded<RunRow>> {
  const id = run_id || run_uuid;
  if (!id) throw missingParam("run_id");
  validateRunId(id);
  const run = await runOrThrow(db, id);
  return { row: run, owner: { id: run.ownerId, name: run.userId }, action: `write to run ${run.runUuid}` };
}

async function loadRegisteredModel(db: Db, name: string): Promise<Loaded<RegisteredModelRow>> {
  const model = await findRegisteredModel(db, name);
  if (!model) throw doesNotExist(`Registered Model with name=${name} not found`);
  return { row: model, owner: { id: model.ownerId, name: model.userId }, action: `change registered model ${model.name}` };
}

const LOADERS: { [K in TargetKind]: (db: Db, keys: TargetKeys<K>) => Promise<Loaded<TargetOf<K>>> } = {
  none: async () => ({ row: undefined }),
  experiment: async (db, { experiment_id: id }) => {
    const n = parseExperimentId(id);
    const exp = n === null ? undefined : await findExperiment(db, n);
    if (!exp) throw doesNotExist(`No Experiment with id=${id} exists`);
    return { row: exp, owner: { id: exp.ownerId, name: exp.owner }, action: `change experiment ${exp.id}` };
  },
  run: loadRun,
  "active-run": loadRun,
  "registered-model": (db, { name }) => loadRegisteredModel(db, name),
  "model-version": async (db, { name, version }) => {
    const row = await modelVersionOrThrow(db, name, version);
    const model = await loadRegisteredModel(db, row.name);
    return { ...model, row: { model: model.row, version: row } };
  },
  "logged-model": async (db, { model_id: id }) => {
    const model = await loggedModelOrThrow(db, id);
    return { row: model, owner: { id: model.ownerId, name: model.creator }, action: `change logged model ${model.modelId}` };
  },
};

/** The operation's target, after the owner-or-admin check for a change. */
export async function resolveTarget<K extends TargetKind>(
  ctx: TrackingContext,
  access: Access<K>,
  keys: TargetKeys<K>,
): Promise<TargetOf<K>> {
  const { row, owner, action } = await LOADERS[access.kind](ctx.db, keys);
  if (access.mode !== "change" || !owner || !action) return row;
  assertMayChange(ctx.principal, owner, action, permissionDenied);
  if (access.kind === "active-run") {
    const run = row as RunRow;
    if (run.lifecycleStage !== "active")
      throw invalidParam(`The run ${run.runUuid} must be in the 'active' state. Current state is ${run.lifecycleStage}.`);
  }
  return row;
}
