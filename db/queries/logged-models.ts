/** MLflow 3 logged models: rows, their tags and params, and the searches the client makes. */
import { and, asc, desc, eq, exists, inArray, sql, type AnyColumn, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { KeyValueRows, type KeyValue } from "./key-values";
import type { ReadFilter } from "./readable";
import {
  loggedModelInputs,
  loggedModelMetrics,
  loggedModelOutputs,
  loggedModelParams,
  loggedModels,
  loggedModelTags,
  type LoggedModelStatus,
} from "../schema";

export type LoggedModelRow = typeof loggedModels.$inferSelect;
export const loggedModelTagRows = new KeyValueRows(loggedModelTags);
/** A key logged again keeps its first value, as MLflow's store does. */
export const loggedModelParamRows = new KeyValueRows(loggedModelParams);

export async function insertLoggedModel(
  db: Db,
  row: typeof loggedModels.$inferInsert,
  tags: KeyValue[],
  params: KeyValue[],
): Promise<LoggedModelRow> {
  return db.transaction(async (tx) => {
    const [inserted] = await tx.insert(loggedModels).values(row).returning();
    if (!inserted) throw new Error("insert into logged_models returned no row");
    await loggedModelTagRows.set(tx, inserted, tags);
    await loggedModelParamRows.addMissing(tx, inserted, params);
    return inserted;
  });
}

export async function findLoggedModel(db: Db, modelId: string): Promise<LoggedModelRow | undefined> {
  const rows = await db.select().from(loggedModels).where(eq(loggedModels.modelId, modelId)).limit(1);
  return rows[0];
}

export async function updateLoggedModelStatus(
  db: Db,
  modelId: string,
  status: LoggedModelStatus,
  now: number,
): Promise<LoggedModelRow | undefined> {
  const rows = await db.update(loggedModels).set({ status, lastUpdatedTime: now }).where(eq(loggedModels.modelId, modelId)).returning();
  return rows[0];
}

export async function deleteLoggedModelRow(db: Db, modelId: string): Promise<void> {
  await db.delete(loggedModels).where(eq(loggedModels.modelId, modelId));
}

/** Sets (inserts or replaces) tags and bumps the model's update time, all or nothing. */
export async function upsertLoggedModelTags(db: Db, modelId: string, tags: KeyValue[], now: number): Promise<void> {
  await db.transaction(async (tx) => {
    await loggedModelTagRows.set(tx, { modelId }, tags);
    await tx.update(loggedModels).set({ lastUpdatedTime: now }).where(eq(loggedModels.modelId, modelId));
  });
}

export type LoggedModelMetricRow = typeof loggedModelMetrics.$inferSelect;

export interface LoggedModelData {
  tags: KeyValue[];
  params: KeyValue[];
  metrics: LoggedModelMetricRow[];
}

/** Tags, params and metric points of many models at once, in a stable order (key, then time). */
export async function loggedModelDataOf(db: Db, modelIds: string[]): Promise<Map<string, LoggedModelData>> {
  const owners = modelIds.map((modelId) => ({ modelId }));
  const out = new Map<string, LoggedModelData>();
  if (modelIds.length === 0) return out;
  const [tags, params, metrics] = await Promise.all([
    loggedModelTagRows.of(db, owners),
    loggedModelParamRows.of(db, owners),
    db
      .select()
      .from(loggedModelMetrics)
      .where(inArray(loggedModelMetrics.modelId, modelIds))
      .orderBy(asc(loggedModelMetrics.key), asc(loggedModelMetrics.timestamp), asc(loggedModelMetrics.step)),
  ]);
  for (const o of owners) out.set(o.modelId, { tags: tags(o), params: params(o), metrics: [] });
  for (const m of metrics) out.get(m.modelId)?.metrics.push(m);
  return out;
}

/** Appends metric points to logged models (log-metric / log-batch with `model_id`). */
export async function insertLoggedModelMetrics(db: Db, points: LoggedModelMetricRow[]): Promise<void> {
  if (points.length > 0) await db.insert(loggedModelMetrics).values(points);
}

/** Columns a search may compare with `=`. */
export const LOGGED_MODEL_FILTER_COLUMNS = {
  model_id: loggedModels.modelId,
  name: loggedModels.name,
  model_type: loggedModels.modelType,
  source_run_id: loggedModels.sourceRunId,
  status: loggedModels.status,
} as const;
export type LoggedModelFilterColumn = keyof typeof LOGGED_MODEL_FILTER_COLUMNS;

export const LOGGED_MODEL_ORDER_COLUMNS = {
  creation_timestamp: loggedModels.creationTime,
  last_updated_timestamp: loggedModels.lastUpdatedTime,
  name: loggedModels.name,
} as const;
export type LoggedModelOrderColumn = keyof typeof LOGGED_MODEL_ORDER_COLUMNS;

export type StringOp = "=" | "!=" | "LIKE" | "ILIKE";
export type NumberOp = "=" | "!=" | "<" | "<=" | ">" | ">=";
interface DatasetRef {
  name: string;
  digest?: string | undefined;
}

export type LoggedModelClause =
  | { kind: "attribute"; column: LoggedModelFilterColumn; op: StringOp; value: string }
  | { kind: "param" | "tag"; key: string; op: StringOp; value: string }
  | { kind: "metric"; key: string; op: NumberOp; value: number };

export type LoggedModelOrder =
  | { kind: "attribute"; column: LoggedModelOrderColumn; ascending: boolean }
  | { kind: "metric"; key: string; ascending: boolean; dataset: Partial<DatasetRef> };

export interface LoggedModelSearch {
  readable: ReadFilter;
  experimentIds: number[];
  clauses: LoggedModelClause[];
  /** Metric clauses count only points on one of these datasets; alone, they keep models with any metric on one. */
  datasets: DatasetRef[];
  orderBy: LoggedModelOrder[];
  limit: number;
  offset: number;
}

function stringTest(column: SQL | AnyColumn, op: StringOp, value: string): SQL {
  const ops: Record<StringOp, string> = { "=": "=", "!=": "<>", LIKE: "LIKE", ILIKE: "ILIKE" };
  return sql`${column} ${sql.raw(ops[op])} ${value}`;
}

const NUMBER_OPS: Record<NumberOp, string> = { "=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=" };

function onDataset(d: Partial<DatasetRef>): SQL[] {
  const out: SQL[] = [];
  if (d.name) out.push(eq(loggedModelMetrics.datasetName, d.name));
  if (d.digest) out.push(eq(loggedModelMetrics.datasetDigest, d.digest));
  return out;
}

/** As mlflow/store/tracking/sqlalchemy_store.py filters: any point of the metric may match. */
function clauseSql(db: Db, c: LoggedModelClause, datasets: DatasetRef[]): SQL {
  if (c.kind === "attribute") return stringTest(LOGGED_MODEL_FILTER_COLUMNS[c.column], c.op, c.value);
  if (c.kind === "metric") {
    const where: SQL[] = [
      eq(loggedModelMetrics.modelId, loggedModels.modelId),
      eq(loggedModelMetrics.key, c.key),
      sql`${loggedModelMetrics.value} ${sql.raw(NUMBER_OPS[c.op])} ${c.value}`,
    ];
    const onAny = datasets.map((d) => and(...onDataset(d)));
    if (onAny.length > 0) where.push(sql`(${sql.join(onAny as SQL[], sql` OR `)})`);
    return exists(
      db
        .select({ one: sql`1` })
        .from(loggedModelMetrics)
        .where(and(...where)),
    );
  }
  const table = c.kind === "param" ? loggedModelParams : loggedModelTags;
  return exists(
    db
      .select({ one: sql`1` })
      .from(table)
      .where(and(eq(table.modelId, loggedModels.modelId), eq(table.key, c.key), stringTest(table.value, c.op, c.value))),
  );
}

/** The metric's latest value (newest timestamp, then step) on the dataset, as MLflow orders by it. */
function latestMetric(key: string, dataset: Partial<DatasetRef>): SQL {
  const m = loggedModelMetrics;
  const where = and(eq(m.modelId, loggedModels.modelId), eq(m.key, key), ...onDataset(dataset));
  return sql`(SELECT ${m.value} FROM ${m} WHERE ${where} ORDER BY ${m.timestamp} DESC, ${m.step} DESC LIMIT 1)`;
}

export async function searchLoggedModelRows(db: Db, q: LoggedModelSearch): Promise<LoggedModelRow[]> {
  const where: SQL[] = [
    q.readable({ id: loggedModels.ownerId, experiment: loggedModels.experimentId }),
    inArray(loggedModels.experimentId, q.experimentIds),
  ];
  for (const c of q.clauses) where.push(clauseSql(db, c, q.datasets));
  if (q.datasets.length > 0 && !q.clauses.some((c) => c.kind === "metric")) {
    const onAny = q.datasets.map((d) => and(...onDataset(d)) as SQL);
    where.push(
      exists(
        db
          .select({ one: sql`1` })
          .from(loggedModelMetrics)
          .where(and(eq(loggedModelMetrics.modelId, loggedModels.modelId), sql`(${sql.join(onAny, sql` OR `)})`)),
      ),
    );
  }
  // Models without the value sort last either way; newest first unless the caller orders by creation time
  // (mlflow/store/tracking/sqlalchemy_store.py); the id breaks ties so pages never overlap.
  const order = q.orderBy.map((o) => {
    const value = o.kind === "metric" ? latestMetric(o.key, o.dataset) : sql`${LOGGED_MODEL_ORDER_COLUMNS[o.column]}`;
    return sql`${value} ${sql.raw(o.ascending ? "ASC" : "DESC")} NULLS LAST`;
  });
  if (!q.orderBy.some((o) => o.kind === "attribute" && o.column === "creation_timestamp")) order.push(desc(loggedModels.creationTime));
  order.push(asc(loggedModels.modelId));
  return db
    .select()
    .from(loggedModels)
    .where(and(...where))
    .orderBy(...order)
    .limit(q.limit)
    .offset(q.offset);
}

/** The newest logged model a run logged under this name: what `runs:/<run>/<name>` means in MLflow 3. */
export async function findLoggedModelOfRun(db: Db, runId: string, name: string): Promise<LoggedModelRow | undefined> {
  const rows = await db
    .select()
    .from(loggedModels)
    .where(and(eq(loggedModels.sourceRunId, runId), eq(loggedModels.name, name)))
    .orderBy(desc(loggedModels.creationTime))
    .limit(1);
  return rows[0];
}

export interface RunOutput {
  modelId: string;
  step: number;
}

/** Records the models a run produced; sending the same output again changes nothing (clients retry). */
export async function insertRunOutputs(db: Db, runUuid: string, outputs: RunOutput[]): Promise<void> {
  if (outputs.length === 0) return;
  await db
    .insert(loggedModelOutputs)
    .values(outputs.map((o) => ({ runUuid, ...o })))
    .onConflictDoNothing();
}

export async function runOutputsOf(db: Db, runUuid: string): Promise<RunOutput[]> {
  return db
    .select({ modelId: loggedModelOutputs.modelId, step: loggedModelOutputs.step })
    .from(loggedModelOutputs)
    .where(eq(loggedModelOutputs.runUuid, runUuid))
    .orderBy(asc(loggedModelOutputs.step), asc(loggedModelOutputs.modelId));
}

/** Records the logged models a run used (LogInputs `models`); sending one again changes nothing. */
export async function insertRunModelInputs(db: Db, runUuid: string, modelIds: string[]): Promise<void> {
  if (modelIds.length === 0) return;
  await db
    .insert(loggedModelInputs)
    .values(modelIds.map((modelId) => ({ runUuid, modelId })))
    .onConflictDoNothing();
}

/** Model inputs and outputs of many runs, for get-run and search-runs. */
export async function runModelsOf(
  db: Db,
  runUuids: string[],
): Promise<{ inputs: Map<string, string[]>; outputs: Map<string, RunOutput[]> }> {
  const inputs = new Map<string, string[]>();
  const outputs = new Map<string, RunOutput[]>();
  if (runUuids.length === 0) return { inputs, outputs };
  const [ins, outs] = await Promise.all([
    db.select().from(loggedModelInputs).where(inArray(loggedModelInputs.runUuid, runUuids)).orderBy(asc(loggedModelInputs.modelId)),
    db
      .select()
      .from(loggedModelOutputs)
      .where(inArray(loggedModelOutputs.runUuid, runUuids))
      .orderBy(asc(loggedModelOutputs.step), asc(loggedModelOutputs.modelId)),
  ]);
  for (const i of ins) inputs.set(i.runUuid, [...(inputs.get(i.runUuid) ?? []), i.modelId]);
  for (const o of outs) outputs.set(o.runUuid, [...(outputs.get(o.runUuid) ?? []), { modelId: o.modelId, step: o.step }]);
  return { inputs, outputs };
}
