/**
 * What is logged to a run besides metrics: params (immutable), tags (mutable; `mlflow.runName` renames the
 * run), log-batch (params, metrics and tags at once) and dataset inputs (docs/mlflow-rest.md §4). Dispatch
 * hands over an active run the caller may write to, inside the request's one transaction.
 */
import type { Db } from "@/db/client";
import { insertDatasetInputs } from "@/db/queries/datasets";
import { keysOfKind, recordExperimentKeys } from "@/db/queries/experiment-keys";
import { insertRunModelInputs } from "@/db/queries/logged-models";
import { runParamRows, runTagRows, updateRunRow, type KeyValue, type RunRow } from "@/db/queries/tracking";
import type { Body, TrackingContext } from "../context";
import { doesNotExist, invalidParam } from "../errors";
import type { Input, runs } from "../http/schemas";
import { validateBatchLimits } from "../validation";
import { logRunMetrics } from "../metrics/operations";
import { RUN_NAME_TAG } from "./constants";

async function touchTags(db: Db, run: RunRow, tags: KeyValue[]): Promise<void> {
  if (tags.length === 0) return;
  await runTagRows.set(db, { runUuid: run.runUuid }, tags);
  const renamed = [...tags].reverse().find((t) => t.key === RUN_NAME_TAG);
  if (renamed && renamed.value !== run.name) await updateRunRow(db, run.runUuid, { name: renamed.value });
}

async function writeParams(db: Db, runUuid: string, params: KeyValue[], batch: boolean): Promise<void> {
  const conflicts = await runParamRows.addMissing(db, { runUuid }, params);
  const first = conflicts[0];
  if (!first) return;
  if (!batch) {
    throw invalidParam(
      `Changing param values is not allowed. Param with key='${first.key}' was already logged with value='${first.old}' for run ID='${runUuid}'. Attempted logging new value '${first.new}'.`,
    );
  }
  const listed = conflicts.map((c) => `{'key': '${c.key}', 'old_value': '${c.old}', 'new_value': '${c.new}'}`).join(", ");
  throw invalidParam(`Changing param values is not allowed. Params were already logged='[${listed}]' for run ID='${runUuid}'.`);
}

export async function logParameter(ctx: TrackingContext, { key, value }: Input<typeof runs.logParameter>, run: RunRow): Promise<Body> {
  await writeParams(ctx.db, run.runUuid, [{ key, value }], false);
  await recordExperimentKeys(ctx.db, run.experimentId, keysOfKind("param", [{ key }]));
  return {};
}

/** All or nothing (the request's transaction): a batch refused for one changed param leaves none of it. */
export async function logBatch(ctx: TrackingContext, { metrics, params, tags }: Input<typeof runs.logBatch>, run: RunRow): Promise<Body> {
  validateBatchLimits(metrics.length, params.length, tags.length);
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const p of params) (seen.has(p.key) ? dups : seen).add(p.key);
  if (dups.size > 0) {
    throw invalidParam(
      `Duplicate parameter keys have been submitted: [${[...dups].map((k) => `'${k}'`).join(", ")}]. Please ensure the request contains only one param value per param key.`,
    );
  }
  await writeParams(ctx.db, run.runUuid, params, true);
  await logRunMetrics(ctx.db, run, metrics);
  await touchTags(ctx.db, run, tags);
  // The runs page's column keys: one statement for the whole batch (db/queries/experiment-keys.ts).
  await recordExperimentKeys(ctx.db, run.experimentId, [
    ...keysOfKind("param", params),
    ...keysOfKind("metric", metrics),
    ...keysOfKind("tag", tags),
  ]);
  return {};
}

export async function setTag(ctx: TrackingContext, { key, value }: Input<typeof runs.setTag>, run: RunRow): Promise<Body> {
  await touchTags(ctx.db, run, [{ key, value }]);
  await recordExperimentKeys(ctx.db, run.experimentId, keysOfKind("tag", [{ key }]));
  return {};
}

export async function deleteTag(ctx: TrackingContext, { key }: Input<typeof runs.deleteTag>, run: RunRow): Promise<Body> {
  if (!(await runTagRows.remove(ctx.db, { runUuid: run.runUuid }, key)))
    throw doesNotExist(`No tag with name: ${key} in run with id ${run.runUuid}`);
  return {};
}

/** Dataset inputs, and model inputs (MLflow 3: the logged models the run used), which get-run returns. */
export async function logInputs(ctx: TrackingContext, { datasets, models }: Input<typeof runs.logInputs>, run: RunRow): Promise<Body> {
  await insertRunModelInputs(
    ctx.db,
    run.runUuid,
    models.map((m) => m.model_id),
  );
  const rows = datasets.map(({ dataset: d, tags }) => ({
    dataset: {
      name: d.name,
      digest: d.digest,
      sourceType: d.source_type,
      source: d.source,
      schema: d.schema || null,
      profile: d.profile || null,
    },
    tags,
  }));
  await insertDatasetInputs(ctx.db, run.experimentId, run.runUuid, rows);
  return {};
}
