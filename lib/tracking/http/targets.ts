/**
 * What an operation acts on and who may: each row of the operation table (operations.ts) names its target
 * (the experiment, run, registered model, model version or logged model its input points at) and whether it
 * reads, creates or changes. Dispatch loads the target once (404 in MLflow's words when it is missing) as a
 * Resource and, for a change, asks lib/auth/access.ts whether the caller may write it, before the handler runs.
 * `changesEach` rows act on several things at once (a page of traces); their handler asks for each.
 */
import type { Db } from "@/db/client";
import { findLoggedModel, type LoggedModelRow } from "@/db/queries/logged-models";
import { findModelVersion, findRegisteredModel, type ModelVersionRow, type RegisteredModelRow } from "@/db/queries/registry";
import { experimentIdsOfDatasets, findDataset } from "@/db/queries/evaluation";
import type { TraceRow } from "@/db/queries/traces";
import { findExperiment, findRunWithExperiment, findRunsByIds, type ExperimentRow, type RunRow } from "@/db/queries/tracking";
import {
  DEFAULT_EXPERIMENT_ID,
  assertCan,
  can,
  experimentResource,
  loggedModelResource,
  registeredModelResource,
  runResource,
  traceResource,
  type Caller,
  type Resource,
} from "@/lib/auth/access";
import type { TrackingContext } from "../context";
import type { DatasetTarget } from "../evaluation/datasets";
import { doesNotExist, invalidParam, permissionDenied, refusedTracking } from "../errors";
import { experimentOrThrow, traceOrThrow } from "../traces/access";
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
  /** By `trace_id` (v3) or `request_id` (v2); locked for a change. */
  trace: { keys: { trace_id?: string | undefined; request_id?: string | undefined }; row: TraceRow };
  /** An evaluation dataset, written by whoever may write every experiment it belongs to; locked for a change. */
  dataset: { keys: { dataset_id: string }; row: DatasetTarget };
}

export type TargetKind = keyof Kinds;
export type TargetKeys<K extends TargetKind> = Kinds[K]["keys"];
export type TargetOf<K extends TargetKind> = Kinds[K]["row"];

export interface Access<K extends TargetKind> {
  kind: K;
  /**
   * read: no transaction, no check (everyone signed in reads); create: one transaction, something new;
   * change: one transaction, the caller must be allowed to write the target; each: one transaction, the
   * handler asks lib/auth/access.ts for each of the several things it changes.
   */
  mode: "read" | "create" | "change" | "each";
  /** What a change needs (lib/auth/access.ts): "write" (EDIT), or "manage" (MANAGE) for a delete, as MLflow's auth app asks. */
  action?: "write" | "manage";
  /** The deed a refusal names, before the target ("manage the permissions of"); absent: from the mode and action. */
  what?: string;
  /** Only an admin may call it at all (MLflow's auth app keeps webhooks to admins): the sentence of everyone else's 403 PERMISSION_DENIED. */
  adminOnly?: string;
}

export const reads = <K extends TargetKind = "none">(kind: K = "none" as K): Access<K> => ({ kind, mode: "read" });
export const creates = <K extends TargetKind = "none">(kind: K = "none" as K): Access<K> => ({ kind, mode: "create" });
export const changes = <K extends TargetKind>(kind: K): Access<K> => ({ kind, mode: "change" });
/** A delete: MLflow's auth app asks MANAGE for it (a project's owners, the creator, an admin). */
export const deletes = <K extends TargetKind>(kind: K): Access<K> => ({ kind, mode: "change", action: "manage" });
/** MLflow's per-resource permission endpoints: MANAGE on the target, as its auth app asks, for reading them too. */
export const managesPermissionsOf = <K extends "experiment" | "registered-model">(kind: K): Access<K> => ({
  kind,
  mode: "change",
  action: "manage",
  what: "manage the permissions of",
});
export const changesEach = (): Access<"none"> => ({ kind: "none", mode: "each" });
/** An admin-only row: `read` runs without a transaction (it may wait on the network), `create` in one. */
export const administers = (mode: "read" | "create", refusal: string): Access<"none"> => ({ kind: "none", mode, adminOnly: refusal });

const LOGGED_MODEL_ID = /^m-[0-9a-f]{32}$/;

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

/** The run as the access rule sees it: in its experiment's space. */
export async function runResourceOf(db: Db, run: RunRow): Promise<Resource> {
  return runResource(run, await experimentOrThrow(db, String(run.experimentId)));
}

/**
 * Runs a read names by id (metric history in bulk), each one the caller may read: a run she may not read does
 * not exist for her, in the same words as one that does not exist at all. In the order asked, without repeats.
 */
export async function readableRunsOrThrow(ctx: TrackingContext, ids: readonly string[]): Promise<RunRow[]> {
  const unique = [...new Set(ids)];
  const found = new Map((await findRunsByIds(ctx.db, unique)).map((r) => [r.runUuid, r]));
  const experiments = new Map<number, ExperimentRow>();
  const out: RunRow[] = [];
  for (const id of unique) {
    const run = found.get(id);
    let experiment = run ? experiments.get(run.experimentId) : undefined;
    if (run && !experiment) {
      experiment = await experimentOrThrow(ctx.db, String(run.experimentId));
      experiments.set(experiment.id, experiment);
    }
    if (!run || !can(ctx.principal, "read", runResource(run, experiment))) throw doesNotExist(`Run with id=${id} not found`);
    out.push(run);
  }
  return out;
}

/** An experiment a read names by id (a dataset search's), which the caller must be able to read, else it does not exist. */
export async function readableExperimentOrThrow(ctx: TrackingContext, id: string): Promise<ExperimentRow> {
  const exp = await experimentOrThrow(ctx.db, id);
  if (!can(ctx.principal, "read", experimentResource(exp))) throw doesNotExist(`No Experiment with id=${id} exists`);
  return exp;
}

/** Only who may write to the run (lib/auth/access.ts) may write to it (and say it produced a model). */
export async function assertRunWriter(db: Db, p: Caller, run: RunRow, what?: string): Promise<void> {
  assertCan(p, "write", await runResourceOf(db, run), refusedTracking, what);
}

interface Loaded<T> {
  row: T;
  /** What access is checked on: every one of them (a dataset's experiments) for a change, any one for a read. */
  resource?: Resource | readonly Resource[];
  /** What a caller who may not read it is told: that it does not exist, in MLflow's words. */
  missing?: string;
}

async function loadRun(db: Db, { run_id, run_uuid }: RunRef): Promise<Loaded<RunRow>> {
  const id = run_id || run_uuid;
  if (!id) throw missingParam("run_id");
  validateRunId(id);
  const found = await findRunWithExperiment(db, id);
  if (!found) throw doesNotExist(`Run with id=${id} not found`);
  return { row: found.run, resource: runResource(found.run, found.experiment), missing: `Run with id=${id} not found` };
}

async function loadRegisteredModel(db: Db, name: string): Promise<Loaded<RegisteredModelRow>> {
  const missing = `Registered Model with name=${name} not found`;
  const model = await findRegisteredModel(db, name);
  if (!model) throw doesNotExist(missing);
  return { row: model, resource: registeredModelResource(model), missing };
}

const LOADERS: { [K in TargetKind]: (db: Db, keys: TargetKeys<K>, forChange: boolean) => Promise<Loaded<TargetOf<K>>> } = {
  none: async () => ({ row: undefined }),
  experiment: async (db, { experiment_id: id }) => {
    const n = parseExperimentId(id);
    const missing = `No Experiment with id=${id} exists`;
    const exp = n === null ? undefined : await findExperiment(db, n);
    if (!exp) throw doesNotExist(missing);
    return { row: exp, resource: experimentResource(exp), missing };
  },
  run: loadRun,
  "active-run": loadRun,
  "registered-model": (db, { name }) => loadRegisteredModel(db, name),
  "model-version": async (db, { name, version }) => {
    const row = await modelVersionOrThrow(db, name, version);
    const model = await loadRegisteredModel(db, row.name);
    return { ...model, row: { model: model.row, version: row }, missing: `Model Version (name=${name}, version=${version}) not found` };
  },
  "logged-model": async (db, { model_id: id }) => {
    const model = await loggedModelOrThrow(db, id);
    const experiment = await experimentOrThrow(db, String(model.experimentId));
    return { row: model, resource: loggedModelResource(model, experiment), missing: `Logged model with ID '${id}' not found.` };
  },
  trace: async (db, { trace_id, request_id }, forChange) => {
    const [id, field] = trace_id !== undefined ? [trace_id, "trace_id"] : [request_id, "request_id"];
    if (id === undefined) throw missingParam("trace_id");
    const trace = await traceOrThrow(db, id, field, forChange);
    const resource = traceResource(trace, await experimentOrThrow(db, String(trace.experimentId)));
    return { row: trace, resource, missing: `Trace with ID ${id} is not found.` };
  },
  dataset: async (db, { dataset_id: id }, forChange) => {
    const dataset = await findDataset(db, id, forChange);
    if (!dataset) throw doesNotExist(`Dataset '${id}' not found.`);
    const experimentIds = (await experimentIdsOfDatasets(db, [id])).get(id) ?? [];
    const resources = await Promise.all(experimentIds.map(async (e) => experimentResource(await experimentOrThrow(db, String(e)))));
    return { row: { dataset, experimentIds }, resource: resources, missing: `Dataset '${id}' not found.` };
  },
};

/** Refuses a caller the row is not for at all (an admin-only row), before its input is even read. */
export function assertMayCall(ctx: TrackingContext, access: Access<TargetKind>): void {
  if (access.adminOnly !== undefined && !ctx.principal.admin) throw permissionDenied(access.adminOnly);
}

/** A run (or logged model) created in MLflow's Default experiment: allowed to everyone, as before projects. */
const takesEveryonesRuns = (access: Access<TargetKind>, row: unknown) =>
  access.mode === "create" && access.kind === "experiment" && (row as ExperimentRow).id === DEFAULT_EXPERIMENT_ID;

/**
 * The operation's target, after the access check: one the caller may not read does not exist for her; a change
 * needs EDIT on it, and so does creating something in it (a run or a logged model in an experiment).
 */
export async function resolveTarget<K extends TargetKind>(
  ctx: TrackingContext,
  access: Access<K>,
  keys: TargetKeys<K>,
): Promise<TargetOf<K>> {
  const { row, resource, missing } = await LOADERS[access.kind](ctx.db, keys, access.mode === "change");
  if (!resource || takesEveryonesRuns(access, row)) return row;
  const resources: readonly Resource[] = Array.isArray(resource) ? (resource as readonly Resource[]) : [resource as Resource];
  if (missing !== undefined && resources.length > 0 && !resources.some((r) => can(ctx.principal, "read", r))) throw doesNotExist(missing);
  if (access.mode === "read") return row;
  // A dataset in no experiment (none is made so) has nobody to defer to but an admin.
  if (resources.length === 0 && !ctx.principal.admin)
    throw permissionDenied("Only an admin may change a dataset that belongs to no experiment.");
  for (const r of resources) {
    const named = `${r.kind.replace("_", " ")} ${r.id}`;
    const what =
      access.what !== undefined
        ? `${access.what} ${named}`
        : access.mode === "create"
          ? `add to ${named}`
          : access.action === "manage"
            ? `delete ${named}`
            : undefined;
    assertCan(ctx.principal, access.action ?? "write", r, refusedTracking, what);
  }
  if (access.kind === "active-run") {
    const run = row as RunRow;
    if (run.lifecycleStage !== "active")
      throw invalidParam(`The run ${run.runUuid} must be in the 'active' state. Current state is ${run.lifecycleStage}.`);
  }
  return row;
}
