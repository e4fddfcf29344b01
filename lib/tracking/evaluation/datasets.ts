/**
 * Evaluation datasets (mlflow/store/tracking/rest_store.py create_dataset, get_dataset, delete_dataset,
 * search_datasets, set_dataset_tags, delete_dataset_tag, get_dataset_experiment_ids,
 * add_dataset_to_experiments, remove_dataset_from_experiments). A dataset belongs to the experiments it is
 * linked to: everyone who reads experiments reads it, and changing it needs what writing to each of them
 * needs (lib/auth/access.ts, checked by lib/tracking/http/targets.ts). So it always keeps one experiment.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  countDatasetsOfExperiment,
  deleteDataset as deleteDatasetRow,
  experimentIdsOfDatasets,
  insertDataset,
  linkDatasetExperiments,
  searchDatasets as searchDatasetRows,
  unlinkDatasetExperiments,
  updateDataset,
  type DatasetRow,
} from "@/db/queries/evaluation";
import { assertCan, experimentResource, readableBy } from "@/lib/auth/access";
import type { z } from "zod";
import { nowOf, type Body, type TrackingContext } from "../context";
import { invalidParam, refusedTracking } from "../errors";
import { decodePageToken, pageOf } from "../search/page-token";
import { experimentOrThrow } from "../traces/access";
import { readableExperimentOrThrow } from "../http/targets";
import { exhausted, MAX_DATASETS_PER_EXPERIMENT, MAX_PAGE } from "./limits";
import type { evaluationSchemas } from "./schemas";
import { datasetFilterSql, datasetOrderSql } from "./search";
import { datasetView, mergeTags, parseJsonObject, tagsOf } from "./wire";

type In<K extends keyof typeof evaluationSchemas> = z.output<(typeof evaluationSchemas)[K]>;

/** What dispatch hands a dataset operation: the row (locked for a change) and its experiments. */
export interface DatasetTarget {
  dataset: DatasetRow;
  experimentIds: number[];
}

export const newDatasetId = () => `d-${randomBytes(16).toString("hex")}`;

/** Changes with each write, so a client can tell two states of one dataset apart. */
export const digestOf = (datasetId: string, lastUpdateTime: number, recordCount: number) =>
  createHash("sha256").update(`${datasetId}:${lastUpdateTime}:${recordCount}`).digest("hex").slice(0, 8);

/** The experiments named, each one the caller may write to, without repeats. */
async function writableExperiments(ctx: TrackingContext, ids: readonly string[]): Promise<number[]> {
  const out: number[] = [];
  for (const id of new Set(ids)) {
    const exp = await experimentOrThrow(ctx.db, id);
    assertCan(ctx.principal, "write", experimentResource(exp), refusedTracking, `add datasets to experiment ${exp.id}`);
    out.push(exp.id);
  }
  return out;
}

async function assertRoomIn(ctx: TrackingContext, experimentIds: readonly number[]): Promise<void> {
  for (const id of experimentIds) {
    if ((await countDatasetsOfExperiment(ctx.db, id)) >= MAX_DATASETS_PER_EXPERIMENT)
      throw exhausted(
        `Experiment ${id} already has ${MAX_DATASETS_PER_EXPERIMENT} evaluation datasets, the most one experiment keeps; delete one first.`,
      );
  }
}

const view = (t: DatasetTarget): Body => ({ dataset: datasetView(t.dataset, t.experimentIds) });

export async function createDataset(ctx: TrackingContext, input: In<"createDataset">): Promise<Body> {
  if (input.experiment_ids.length === 0)
    throw invalidParam("Missing value for required parameter 'experiment_ids': a dataset belongs to at least one experiment.");
  const experimentIds = await writableExperiments(ctx, input.experiment_ids);
  await assertRoomIn(ctx, experimentIds);
  const tags = input.tags ? mergeTags({}, tagsOf(parseJsonObject(input.tags, "tags"), "tags")) : {};
  const now = nowOf(ctx);
  const datasetId = newDatasetId();
  const row = await insertDataset(
    ctx.db,
    {
      datasetId,
      name: input.name,
      tags,
      schema: input.schema ?? null,
      profile: input.profile ?? null,
      digest: digestOf(datasetId, now, 0),
      createdTime: now,
      lastUpdateTime: now,
      // Who made it is the caller, not what the body claims (CreateDataset's created_by).
      createdBy: ctx.principal.name,
      lastUpdatedBy: ctx.principal.name,
      ownerId: ctx.principal.userId ?? null,
    },
    experimentIds,
  );
  return view({ dataset: row, experimentIds: [...experimentIds].sort((a, b) => a - b) });
}

export async function getDataset(_ctx: TrackingContext, _input: In<"dataset">, target: DatasetTarget): Promise<Body> {
  return view(target);
}

export async function deleteDataset(ctx: TrackingContext, _input: In<"dataset">, target: DatasetTarget): Promise<Body> {
  await deleteDatasetRow(ctx.db, target.dataset.datasetId);
  return {};
}

export async function searchDatasets(ctx: TrackingContext, input: In<"searchDatasets">): Promise<Body> {
  const max = input.max_results ?? MAX_PAGE;
  if (max < 1 || max > MAX_PAGE)
    throw invalidParam(`Invalid value ${max} for parameter 'max_results' supplied: it must be between 1 and ${MAX_PAGE}.`);
  const experimentIds: number[] = [];
  for (const id of input.experiment_ids) experimentIds.push((await readableExperimentOrThrow(ctx, id)).id);
  const offset = decodePageToken(input.page_token);
  const rows = await searchDatasetRows(ctx.db, {
    experimentIds,
    readable: readableBy(ctx.principal, "experiment"),
    conditions: datasetFilterSql(input.filter_string),
    order: datasetOrderSql(input.order_by),
    limit: max + 1,
    offset,
  });
  const { page, next_page_token } = pageOf(rows, max, offset);
  const links = await experimentIdsOfDatasets(
    ctx.db,
    page.map((r) => r.datasetId),
  );
  return {
    datasets: page.map((r) => datasetView(r, links.get(r.datasetId) ?? [])),
    ...(next_page_token ? { next_page_token } : {}),
  };
}

/** A write to the dataset itself: new time, digest and writer. */
export async function touchDataset(ctx: TrackingContext, target: DatasetTarget, patch: Partial<DatasetRow> = {}): Promise<DatasetRow> {
  const now = nowOf(ctx);
  const count = patch.recordCount ?? target.dataset.recordCount;
  return updateDataset(ctx.db, target.dataset.datasetId, {
    ...patch,
    lastUpdateTime: now,
    lastUpdatedBy: ctx.principal.name,
    digest: digestOf(target.dataset.datasetId, now, count),
  });
}

/** SetDatasetTags merges: new keys are added, a null value removes its key. */
export async function setDatasetTags(ctx: TrackingContext, input: In<"setTags">, target: DatasetTarget): Promise<Body> {
  const tags = mergeTags(target.dataset.tags, tagsOf(parseJsonObject(input.tags, "tags"), "tags"));
  return view({ ...target, dataset: await touchDataset(ctx, target, { tags }) });
}

export async function deleteDatasetTag(ctx: TrackingContext, input: In<"deleteTag">, target: DatasetTarget): Promise<Body> {
  await touchDataset(ctx, target, { tags: mergeTags(target.dataset.tags, { [input.key]: null }) });
  return {};
}

export async function getDatasetExperimentIds(_ctx: TrackingContext, _input: In<"dataset">, target: DatasetTarget): Promise<Body> {
  return { experiment_ids: target.experimentIds.map(String) };
}

export async function addDatasetToExperiments(ctx: TrackingContext, input: In<"experiments">, target: DatasetTarget): Promise<Body> {
  const ids = (await writableExperiments(ctx, input.experiment_ids)).filter((id) => !target.experimentIds.includes(id));
  await assertRoomIn(ctx, ids);
  await linkDatasetExperiments(ctx.db, target.dataset.datasetId, ids);
  const experimentIds = [...target.experimentIds, ...ids].sort((a, b) => a - b);
  return view({ experimentIds, dataset: await touchDataset(ctx, target) });
}

export async function removeDatasetFromExperiments(ctx: TrackingContext, input: In<"experiments">, target: DatasetTarget): Promise<Body> {
  const gone = new Set(input.experiment_ids.map(Number));
  const experimentIds = target.experimentIds.filter((id) => !gone.has(id));
  if (experimentIds.length === 0)
    throw invalidParam(
      `Dataset ${target.dataset.datasetId} would belong to no experiment; link it to another experiment first, or delete the dataset.`,
    );
  await unlinkDatasetExperiments(ctx.db, target.dataset.datasetId, [...gone].filter(Number.isSafeInteger));
  return view({ experimentIds, dataset: await touchDataset(ctx, target) });
}
