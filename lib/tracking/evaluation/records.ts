/**
 * A dataset's records (mlflow/store/tracking/rest_store.py upsert_dataset_records, _load_dataset_records;
 * service.proto DeleteDatasetRecords). Upsert follows MLflow's SQL store: a record is keyed by its inputs
 * (sha256 of their JSON with sorted keys); one whose inputs are already there is updated — expectations and
 * tags merged, outputs and source replaced when given — the rest inserted. Record count and bytes are capped
 * per dataset (limits.ts); a batch over a cap is refused whole and nothing of it is kept.
 */
import { createHash, randomBytes } from "node:crypto";
import {
  deleteDatasetRecords as deleteRecordRows,
  insertDatasetRecord,
  pageDatasetRecords,
  recordsByInputHash,
  updateDatasetRecord,
  type DatasetRecordRow,
} from "@/db/queries/evaluation";
import type { z } from "zod";
import { nowOf, type Body, type TrackingContext } from "../context";
import { invalidParam } from "../errors";
import { decodePageToken, pageOf } from "../search/page-token";
import { touchDataset, type DatasetTarget } from "./datasets";
import { exhausted, MAX_DATASET_BYTES, MAX_DATASET_RECORDS, MAX_PAGE } from "./limits";
import type { evaluationSchemas } from "./schemas";
import { isDict } from "@/lib/util/is-dict";
import { mergeTags, recordView, tagsOf } from "./wire";

type In<K extends keyof typeof evaluationSchemas> = z.output<(typeof evaluationSchemas)[K]>;

const SOURCE_TYPES = new Set(["TRACE", "HUMAN", "DOCUMENT", "CODE"]);

interface Incoming {
  hash: string;
  inputs: Record<string, unknown>;
  outputs: unknown;
  expectations: Record<string, unknown> | undefined;
  tags: Record<string, string | null>;
  source: Record<string, unknown> | undefined;
}

/** JSON with object keys sorted at every level, so equal inputs hash alike. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isDict(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

function parseRecords(text: string): Incoming[] {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    throw invalidParam("Invalid value for parameter 'records' supplied: it is not valid JSON.");
  }
  if (!Array.isArray(list)) throw invalidParam("Invalid value for parameter 'records' supplied: expected a JSON list of records.");
  return list.map((r: unknown, i) => {
    const at = `records[${i}]`;
    if (!isDict(r)) throw invalidParam(`Invalid value for parameter '${at}' supplied: expected an object.`);
    if (!isDict(r.inputs)) throw invalidParam(`Invalid value for parameter '${at}.inputs' supplied: expected an object of inputs.`);
    if (r.expectations !== undefined && r.expectations !== null && !isDict(r.expectations))
      throw invalidParam(`Invalid value for parameter '${at}.expectations' supplied: expected an object.`);
    if (r.tags !== undefined && r.tags !== null && !isDict(r.tags))
      throw invalidParam(`Invalid value for parameter '${at}.tags' supplied: expected an object.`);
    const source = isDict(r.source) ? r.source : undefined;
    if (source && typeof source.source_type === "string" && !SOURCE_TYPES.has(source.source_type))
      throw invalidParam(`Invalid value for parameter '${at}.source.source_type' supplied: expected one of TRACE, HUMAN, DOCUMENT, CODE.`);
    return {
      hash: createHash("sha256").update(canonical(r.inputs)).digest("hex"),
      inputs: r.inputs,
      outputs: r.outputs ?? undefined,
      expectations: isDict(r.expectations) ? r.expectations : undefined,
      tags: isDict(r.tags) ? tagsOf(r.tags, `${at}.tags`) : {},
      source,
    };
  });
}

/** source_id and source_type as DatasetRecord.__post_init__ derives them. */
function sourceFields(source: Record<string, unknown> | undefined): { sourceId: string | null; sourceType: string | null } {
  if (!source) return { sourceId: null, sourceType: null };
  const type = typeof source.source_type === "string" ? source.source_type : null;
  const data = isDict(source.source_data) ? source.source_data : {};
  const id = type === "TRACE" ? data.trace_id : data.source_id;
  return { sourceId: typeof id === "string" ? id : null, sourceType: type };
}

const sizeOf = (r: Pick<DatasetRecordRow, "inputs" | "outputs" | "expectations" | "tags" | "source">) =>
  Buffer.byteLength(JSON.stringify([r.inputs, r.outputs ?? null, r.expectations, r.tags, r.source]));

export async function upsertDatasetRecords(ctx: TrackingContext, input: In<"upsertRecords">, target: DatasetTarget): Promise<Body> {
  const incoming = parseRecords(input.records);
  const { datasetId } = target.dataset;
  const existing = new Map(
    (await recordsByInputHash(ctx.db, datasetId, [...new Set(incoming.map((r) => r.hash))])).map((r) => [r.inputHash, r]),
  );
  const now = nowOf(ctx);
  const who = ctx.principal.name;
  const inserts: DatasetRecordRow[] = [];
  const updates = new Map<string, DatasetRecordRow>();
  let bytes = target.dataset.recordBytes;
  for (const r of incoming) {
    const before = existing.get(r.hash);
    if (before) {
      const after: DatasetRecordRow = {
        ...before,
        expectations: r.expectations ? { ...(before.expectations ?? {}), ...r.expectations } : before.expectations,
        tags: mergeTags(before.tags, r.tags),
        outputs: r.outputs !== undefined ? r.outputs : before.outputs,
        source: r.source ?? before.source,
        ...(r.source ? sourceFields(r.source) : {}),
        lastUpdateTime: now,
        lastUpdatedBy: who,
      };
      after.sizeBytes = sizeOf(after);
      bytes += after.sizeBytes - before.sizeBytes;
      existing.set(r.hash, after);
      if (!inserts.includes(before)) updates.set(after.recordId, after);
      else inserts[inserts.indexOf(before)] = after;
      continue;
    }
    const row: DatasetRecordRow = {
      recordId: `dr-${randomBytes(16).toString("hex")}`,
      datasetId,
      inputHash: r.hash,
      inputs: r.inputs,
      outputs: r.outputs ?? null,
      expectations: r.expectations ?? null,
      tags: mergeTags({}, r.tags),
      source: r.source ?? null,
      ...sourceFields(r.source),
      createdTime: now,
      lastUpdateTime: now,
      createdBy: who,
      lastUpdatedBy: who,
      sizeBytes: 0,
    };
    row.sizeBytes = sizeOf(row);
    bytes += row.sizeBytes;
    inserts.push(row);
    existing.set(r.hash, row);
  }
  const count = target.dataset.recordCount + inserts.length;
  if (count > MAX_DATASET_RECORDS)
    throw exhausted(
      `Dataset ${datasetId} would hold ${count} records; a dataset keeps at most ${MAX_DATASET_RECORDS}. Nothing was added: split the records into another dataset or delete some first.`,
    );
  if (bytes > MAX_DATASET_BYTES)
    throw exhausted(
      `Dataset ${datasetId} would hold ${bytes} bytes of records; a dataset keeps at most ${MAX_DATASET_BYTES} bytes (${MAX_DATASET_BYTES / 1024 / 1024} MiB). Nothing was added: split the records into another dataset.`,
    );
  for (const row of inserts) await insertDatasetRecord(ctx.db, row);
  for (const row of updates.values()) await updateDatasetRecord(ctx.db, row.recordId, row);
  await touchDataset(ctx, target, { recordCount: count, recordBytes: bytes });
  return { inserted_count: inserts.length, updated_count: updates.size };
}

export async function getDatasetRecords(ctx: TrackingContext, input: In<"getRecords">, target: DatasetTarget): Promise<Body> {
  const max = input.max_results ?? MAX_PAGE;
  if (max < 1 || max > MAX_PAGE)
    throw invalidParam(`Invalid value ${max} for parameter 'max_results' supplied: it must be between 1 and ${MAX_PAGE}.`);
  const offset = decodePageToken(input.page_token);
  const rows = await pageDatasetRecords(ctx.db, target.dataset.datasetId, offset, max + 1);
  const { page, next_page_token } = pageOf(rows, max, offset);
  return { records: JSON.stringify(page.map(recordView)), ...(next_page_token ? { next_page_token } : {}) };
}

export async function deleteDatasetRecords(ctx: TrackingContext, input: In<"deleteRecords">, target: DatasetTarget): Promise<Body> {
  const { count, bytes } = await deleteRecordRows(ctx.db, target.dataset.datasetId, input.dataset_record_ids);
  if (count > 0)
    await touchDataset(ctx, target, { recordCount: target.dataset.recordCount - count, recordBytes: target.dataset.recordBytes - bytes });
  return { deleted_count: count };
}
