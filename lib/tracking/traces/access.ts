/**
 * Loading traces and their experiments for a check. Everyone signed in reads traces (as runs); a trace is
 * changed (ended, tagged, assessed, linked, deleted) by the person who started it, the owner of its
 * experiment, or an admin (lib/auth/access.ts). Refusals are MLflow's 403 PERMISSION_DENIED; a missing trace its 404.
 */
import type { Db } from "@/db/client";
import { findExperiment, type ExperimentRow } from "@/db/queries/tracking";
import { findTrace, lockTrace, type TraceRow } from "@/db/queries/traces";
import { assertCan, can, traceResource, type Caller } from "@/lib/auth/access";
import { doesNotExist, invalidParam, refusedTracking } from "../errors";
import { parseExperimentId } from "../validation";
import { validateTraceId } from "./ids";

export async function experimentOrThrow(db: Db, id: string): Promise<ExperimentRow> {
  const n = parseExperimentId(id);
  const exp = n === null ? undefined : await findExperiment(db, n);
  if (!exp) throw doesNotExist(`No Experiment with id=${id} exists`);
  return exp;
}

/** Traces start only in an active experiment (mlflow/store/tracking/sqlalchemy_store.py `start_trace`). */
export async function activeExperimentOrThrow(db: Db, id: string): Promise<ExperimentRow> {
  const exp = await experimentOrThrow(db, id);
  if (exp.lifecycleStage !== "active") {
    throw invalidParam(`The experiment ${exp.id} must be in the 'active' state. Current state is ${exp.lifecycleStage}.`);
  }
  return exp;
}

export async function traceOrThrow(db: Db, id: string, field = "trace_id", forUpdate = false): Promise<TraceRow> {
  validateTraceId(id, field);
  const trace = forUpdate ? await lockTrace(db, id) : await findTrace(db, id);
  if (!trace) throw doesNotExist(`Trace with ID ${id} is not found.`);
  return trace;
}

export function mayChangeTrace(p: Caller, trace: TraceRow, experiment: ExperimentRow): boolean {
  return can(p, "write", traceResource(trace, experiment));
}

/** The trace, loaded (and locked) for a change the caller must be allowed to make. */
export async function writableTrace(db: Db, p: Caller, id: string, field = "trace_id"): Promise<TraceRow> {
  const trace = await traceOrThrow(db, id, field, true);
  assertCan(p, "write", traceResource(trace, await experimentOrThrow(db, String(trace.experimentId))), refusedTracking);
  return trace;
}
