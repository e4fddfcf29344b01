/**
 * Run lifecycle and search (docs/mlflow-rest.md §1, §4 "runs/create semantics"). Inputs arrive validated and
 * the run loaded, and for changes its owner checked, by dispatch (lib/tracking/http/operations.ts).
 */
import { randomUUID } from "node:crypto";
import type { Db } from "@/db/client";
import { keysOfKind, recordExperimentKeys } from "@/db/queries/experiment-keys";
import {
  findRunsByIds,
  insertRun,
  runDataOf,
  searchRunIds,
  updateRunRow,
  runTagRows,
  type ExperimentRow,
  type RunRow,
} from "@/db/queries/tracking";
import { nowOf, type Body, type TrackingContext } from "../context";
import { runInfoToWire, runToWire, type WireRun } from "../entities";
import { invalidParam } from "../errors";
import { assertExperimentActive } from "../experiments/operations";
import type { Input, runs } from "../http/schemas";
import { parseFilter, parseOrderByList } from "../search";
import { maxResults } from "../search/max-results";
import { decodePageToken, encodePageToken } from "../search/page-token";
import { compileRunFilter, compileRunSort } from "../search/runs-sql";
import { parseExperimentId } from "../validation";
import { appendToUriPath } from "../artifact-uri";
import { RUN_NAME_TAG, lifecycleOf } from "./constants";
import { runInputsOf } from "./inputs";
import { generateRunName } from "./run-names";
import { workspaceRunTags } from "./workspace-tags";
import { readableBy } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";

export const MAX_RUNS_SEARCH_RESULTS = 50000;

async function fullRun(db: Db, run: RunRow): Promise<WireRun> {
  const [data, inputs] = await Promise.all([runDataOf(db, [run.runUuid]), runInputsOf(db, [run.runUuid])]);
  return runToWire(run, data.get(run.runUuid), inputs.get(run.runUuid));
}

export async function createRun(ctx: TrackingContext, input: Input<typeof runs.create>, exp: ExperimentRow): Promise<Body> {
  assertExperimentActive(exp);
  const tags = [...input.tags];
  const given = input.run_name || undefined;
  const tagged = [...tags].reverse().find((t) => t.key === RUN_NAME_TAG)?.value;
  if (given !== undefined && tagged !== undefined && given !== tagged) {
    throw invalidParam(
      `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${given}', mlflow.runName='${tagged}').`,
    );
  }
  const name = given ?? tagged ?? generateRunName();
  if (tagged === undefined) tags.push({ key: RUN_NAME_TAG, value: name });
  // Appended last so they win over what the client sent (upsert: last value per key wins).
  tags.push(...(await workspaceRunTags(ctx.db, ctx.principal)));
  const runUuid = randomUUID().replace(/-/g, "");
  const row = {
    runUuid,
    experimentId: exp.id,
    name,
    userId: ctx.principal.name,
    ownerId: ctx.principal.userId ?? null,
    status: "RUNNING" as const,
    startTime: input.start_time ?? nowOf(ctx),
    endTime: null,
    artifactUri: appendToUriPath(exp.artifactLocation, runUuid, "artifacts"),
  };
  const created = await insertRun(ctx.db, row, tags);
  await recordExperimentKeys(ctx.db, exp.id, keysOfKind("tag", tags));
  return { run: await fullRun(ctx.db, created) };
}

export const getRun = async (ctx: TrackingContext, _input: unknown, run: RunRow): Promise<Body> => ({ run: await fullRun(ctx.db, run) });

export async function updateRun(ctx: TrackingContext, input: Input<typeof runs.update>, run: RunRow): Promise<Body> {
  const name = input.run_name || undefined;
  const patch: Parameters<typeof updateRunRow>[2] = {};
  if (input.status !== undefined) patch.status = input.status;
  if (input.end_time !== undefined) patch.endTime = input.end_time;
  if (name !== undefined) patch.name = name;
  const row = await updateRunRow(ctx.db, run.runUuid, patch);
  if (name !== undefined) {
    await runTagRows.set(ctx.db, { runUuid: run.runUuid }, [{ key: RUN_NAME_TAG, value: name }]);
    await recordExperimentKeys(ctx.db, run.experimentId, keysOfKind("tag", [{ key: RUN_NAME_TAG }]));
  }
  return { run_info: runInfoToWire(row ?? run) };
}

export async function deleteRun(ctx: TrackingContext, _input: unknown, run: RunRow): Promise<Body> {
  await updateRunRow(ctx.db, run.runUuid, { lifecycleStage: "deleted", deletedTime: nowOf(ctx) });
  return {};
}

export async function restoreRun(ctx: TrackingContext, _input: unknown, run: RunRow): Promise<Body> {
  await updateRunRow(ctx.db, run.runUuid, { lifecycleStage: "active", deletedTime: null });
  return {};
}

/**
 * The ids of the runs a filter and order_by select, a page at a time: runs/search and the experiment page's
 * charts (lib/tracking/overview/run-chart.ts) ask the same question, so the table and the charts show the same runs.
 */
export async function matchingRunIds(
  db: Db,
  principal: Principal,
  q: { experimentIds: number[]; filter: string; orderBy: string[]; lifecycle: "active" | "deleted" | null; limit: number; offset: number },
): Promise<string[]> {
  const parsed = parseFilter(q.filter);
  const filter = compileRunFilter(parsed);
  const { leading, orderBy } = compileRunSort(parseOrderByList(q.orderBy), parsed);
  if (q.experimentIds.length === 0) return [];
  return searchRunIds(db, {
    readable: readableBy(principal, "run"),
    experimentIds: q.experimentIds,
    lifecycle: q.lifecycle,
    filter,
    orderBy,
    leading,
    limit: q.limit,
    offset: q.offset,
  });
}

export async function searchRuns(ctx: TrackingContext, input: Input<typeof runs.search>): Promise<Body> {
  const experimentIds = input.experiment_ids.map(parseExperimentId).filter((n) => n !== null);
  const max = maxResults(input.max_results, 1000, MAX_RUNS_SEARCH_RESULTS);
  const offset = decodePageToken(input.page_token);
  const ids = await matchingRunIds(ctx.db, ctx.principal, {
    experimentIds,
    filter: input.filter ?? "",
    orderBy: input.order_by,
    lifecycle: lifecycleOf(input.run_view_type),
    limit: max,
    offset,
  });
  if (ids.length === 0) return {};
  const [rows, data, inputs] = await Promise.all([findRunsByIds(ctx.db, ids), runDataOf(ctx.db, ids), runInputsOf(ctx.db, ids)]);
  const byId = new Map(rows.map((r) => [r.runUuid, r]));
  const out: WireRun[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (row) out.push(runToWire(row, data.get(id), inputs.get(id)));
  }
  // A full page always carries a token, as MLflow's runs/search does (docs/mlflow-rest.md §5).
  return ids.length === max ? { runs: out, next_page_token: encodePageToken(offset + max) } : { runs: out };
}
