/** MLflow 3 logged models: rows, their tags and params, and the searches the client makes. */
import { and, asc, desc, eq, inArray, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { loggedModelOutputs, loggedModelParams, loggedModels, loggedModelTags, type LoggedModelStatus } from "../schema";

export type LoggedModelRow = typeof loggedModels.$inferSelect;
export interface LoggedModelKeyValue {
  key: string;
  value: string;
}

export async function insertLoggedModel(
  db: Db,
  row: typeof loggedModels.$inferInsert,
  tags: LoggedModelKeyValue[],
  params: LoggedModelKeyValue[],
): Promise<LoggedModelRow> {
  return db.transaction(async (tx) => {
    const [inserted] = await tx.insert(loggedModels).values(row).returning();
    if (!inserted) throw new Error("insert into logged_models returned no row");
    if (tags.length > 0) await tx.insert(loggedModelTags).values(tags.map((t) => ({ modelId: row.modelId, ...t })));
    if (params.length > 0) await tx.insert(loggedModelParams).values(params.map((p) => ({ modelId: row.modelId, ...p })));
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
export async function upsertLoggedModelTags(db: Db, modelId: string, tags: LoggedModelKeyValue[], now: number): Promise<void> {
  await db.transaction(async (tx) => {
    for (const t of tags) {
      await tx
        .insert(loggedModelTags)
        .values({ modelId, ...t })
        .onConflictDoUpdate({ target: [loggedModelTags.modelId, loggedModelTags.key], set: { value: t.value } });
    }
    await tx.update(loggedModels).set({ lastUpdatedTime: now }).where(eq(loggedModels.modelId, modelId));
  });
}

/** Whether a tag was there to delete. */
export async function deleteLoggedModelTagRow(db: Db, modelId: string, key: string): Promise<boolean> {
  const rows = await db
    .delete(loggedModelTags)
    .where(and(eq(loggedModelTags.modelId, modelId), eq(loggedModelTags.key, key)))
    .returning({ key: loggedModelTags.key });
  return rows.length > 0;
}

export interface LoggedModelData {
  tags: LoggedModelKeyValue[];
  params: LoggedModelKeyValue[];
}

/** Tags and params of many models at once, sorted by key so answers are stable. */
export async function loggedModelDataOf(db: Db, modelIds: string[]): Promise<Map<string, LoggedModelData>> {
  const out = new Map<string, LoggedModelData>(modelIds.map((id) => [id, { tags: [], params: [] }]));
  if (modelIds.length === 0) return out;
  const [tags, params] = await Promise.all([
    db.select().from(loggedModelTags).where(inArray(loggedModelTags.modelId, modelIds)).orderBy(asc(loggedModelTags.key)),
    db.select().from(loggedModelParams).where(inArray(loggedModelParams.modelId, modelIds)).orderBy(asc(loggedModelParams.key)),
  ]);
  for (const t of tags) out.get(t.modelId)?.tags.push({ key: t.key, value: t.value });
  for (const p of params) out.get(p.modelId)?.params.push({ key: p.key, value: p.value });
  return out;
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

export interface LoggedModelSearch {
  experimentIds: number[];
  equals: { column: LoggedModelFilterColumn; value: string }[];
  orderBy: { column: LoggedModelOrderColumn; ascending: boolean }[];
  limit: number;
  offset: number;
}

export async function searchLoggedModelRows(db: Db, q: LoggedModelSearch): Promise<LoggedModelRow[]> {
  const where: SQL[] = [inArray(loggedModels.experimentId, q.experimentIds)];
  for (const e of q.equals) where.push(eq(LOGGED_MODEL_FILTER_COLUMNS[e.column], e.value));
  const order = q.orderBy.map((o) =>
    o.ascending ? asc(LOGGED_MODEL_ORDER_COLUMNS[o.column]) : desc(LOGGED_MODEL_ORDER_COLUMNS[o.column]),
  );
  // Newest first by default, as MLflow does; the id breaks ties so pages never overlap.
  if (order.length === 0) order.push(desc(loggedModels.creationTime));
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
