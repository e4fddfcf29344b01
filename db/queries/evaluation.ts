/** GenAI evaluation: evaluation datasets, their experiment links and records, and registered scorer versions (lib/tracking/evaluation/). */
import { and, asc, desc, eq, inArray, max, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { evaluationDatasetExperiments, evaluationDatasetRecords, evaluationDatasets, experiments, scorerVersions } from "../schema";
import { allRows, type ReadFilter } from "./readable";

export type DatasetRow = typeof evaluationDatasets.$inferSelect;
export type NewDataset = typeof evaluationDatasets.$inferInsert;
export type DatasetRecordRow = typeof evaluationDatasetRecords.$inferSelect;
export type NewDatasetRecord = typeof evaluationDatasetRecords.$inferInsert;
export type ScorerVersionRow = typeof scorerVersions.$inferSelect;

export async function insertDataset(db: Db, row: NewDataset, experimentIds: readonly number[]): Promise<DatasetRow> {
  const [inserted] = await db.insert(evaluationDatasets).values(row).returning();
  if (!inserted) throw new Error(`dataset ${row.datasetId} was not inserted`);
  await linkDatasetExperiments(db, inserted.datasetId, experimentIds);
  return inserted;
}

/** `forUpdate` locks the row, so concurrent upserts count records and bytes one at a time. */
export async function findDataset(db: Db, datasetId: string, forUpdate = false): Promise<DatasetRow | undefined> {
  const q = db.select().from(evaluationDatasets).where(eq(evaluationDatasets.datasetId, datasetId)).limit(1);
  const rows = forUpdate ? await q.for("update") : await q;
  return rows[0];
}

export async function deleteDataset(db: Db, datasetId: string): Promise<void> {
  await db.delete(evaluationDatasets).where(eq(evaluationDatasets.datasetId, datasetId));
}

export async function updateDataset(db: Db, datasetId: string, patch: Partial<Omit<NewDataset, "datasetId">>): Promise<DatasetRow> {
  const [row] = await db.update(evaluationDatasets).set(patch).where(eq(evaluationDatasets.datasetId, datasetId)).returning();
  if (!row) throw new Error(`dataset ${datasetId} vanished during its update`);
  return row;
}

/** Each dataset's experiment ids, ascending. */
export async function experimentIdsOfDatasets(db: Db, datasetIds: readonly string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>(datasetIds.map((id) => [id, []]));
  if (datasetIds.length === 0) return out;
  const rows = await db
    .select()
    .from(evaluationDatasetExperiments)
    .where(inArray(evaluationDatasetExperiments.datasetId, [...datasetIds]))
    .orderBy(asc(evaluationDatasetExperiments.experimentId));
  for (const r of rows) out.get(r.datasetId)?.push(r.experimentId);
  return out;
}

export async function linkDatasetExperiments(db: Db, datasetId: string, experimentIds: readonly number[]): Promise<void> {
  if (experimentIds.length === 0) return;
  await db
    .insert(evaluationDatasetExperiments)
    .values(experimentIds.map((experimentId) => ({ datasetId, experimentId })))
    .onConflictDoNothing();
}

export async function unlinkDatasetExperiments(db: Db, datasetId: string, experimentIds: readonly number[]): Promise<void> {
  if (experimentIds.length === 0) return;
  await db
    .delete(evaluationDatasetExperiments)
    .where(
      and(eq(evaluationDatasetExperiments.datasetId, datasetId), inArray(evaluationDatasetExperiments.experimentId, [...experimentIds])),
    );
}

export interface DatasetSearch {
  /** Empty: every experiment's. */
  experimentIds: readonly number[];
  /** Only datasets in an experiment the caller may read (lib/auth/access.ts `readableBy`). */
  readable: ReadFilter;
  conditions: readonly SQL[];
  order: readonly SQL[];
  limit: number;
  offset: number;
}

export async function searchDatasets(db: Db, s: DatasetSearch): Promise<DatasetRow[]> {
  const readableExperiments = db
    .select({ id: experiments.id })
    .from(experiments)
    .where(s.readable({ id: experiments.ownerId, project: experiments.projectId, granted: { experiment: experiments.id } }));
  const inReadable = db
    .select({ id: evaluationDatasetExperiments.datasetId })
    .from(evaluationDatasetExperiments)
    .where(inArray(evaluationDatasetExperiments.experimentId, readableExperiments));
  const where: SQL[] = [...s.conditions, inArray(evaluationDatasets.datasetId, inReadable)];
  if (s.experimentIds.length > 0) {
    where.push(
      inArray(
        evaluationDatasets.datasetId,
        db
          .select({ id: evaluationDatasetExperiments.datasetId })
          .from(evaluationDatasetExperiments)
          .where(inArray(evaluationDatasetExperiments.experimentId, [...s.experimentIds])),
      ),
    );
  }
  return db
    .select()
    .from(evaluationDatasets)
    .where(where.length > 0 ? and(...where) : undefined)
    .orderBy(...s.order, asc(evaluationDatasets.datasetId))
    .limit(s.limit)
    .offset(s.offset);
}

export async function recordsByInputHash(db: Db, datasetId: string, hashes: readonly string[]): Promise<DatasetRecordRow[]> {
  if (hashes.length === 0) return [];
  return db
    .select()
    .from(evaluationDatasetRecords)
    .where(and(eq(evaluationDatasetRecords.datasetId, datasetId), inArray(evaluationDatasetRecords.inputHash, [...hashes])));
}

export async function insertDatasetRecord(db: Db, row: NewDatasetRecord): Promise<void> {
  await db.insert(evaluationDatasetRecords).values(row);
}

export async function updateDatasetRecord(db: Db, recordId: string, patch: Partial<Omit<NewDatasetRecord, "recordId">>): Promise<void> {
  await db.update(evaluationDatasetRecords).set(patch).where(eq(evaluationDatasetRecords.recordId, recordId));
}

/** Records in the order they were made, `limit` from `offset`. */
export async function pageDatasetRecords(db: Db, datasetId: string, offset: number, limit: number): Promise<DatasetRecordRow[]> {
  return db
    .select()
    .from(evaluationDatasetRecords)
    .where(eq(evaluationDatasetRecords.datasetId, datasetId))
    .orderBy(asc(evaluationDatasetRecords.createdTime), asc(evaluationDatasetRecords.recordId))
    .limit(limit)
    .offset(offset);
}

/** Deletes the named records of the dataset; their count and bytes. */
export async function deleteDatasetRecords(
  db: Db,
  datasetId: string,
  recordIds: readonly string[],
): Promise<{ count: number; bytes: number }> {
  if (recordIds.length === 0) return { count: 0, bytes: 0 };
  const gone = await db
    .delete(evaluationDatasetRecords)
    .where(and(eq(evaluationDatasetRecords.datasetId, datasetId), inArray(evaluationDatasetRecords.recordId, [...recordIds])))
    .returning({ size: evaluationDatasetRecords.sizeBytes });
  return { count: gone.length, bytes: gone.reduce((n, r) => n + r.size, 0) };
}

// --- scorers ------------------------------------------------------------------------------------------

/** The next version of (experiment, name) and its scorer id (kept across versions); locks nothing, the primary key refuses a race. */
export async function latestScorerVersion(db: Db, experimentId: number, name: string): Promise<ScorerVersionRow | undefined> {
  const rows = await db
    .select()
    .from(scorerVersions)
    .where(and(eq(scorerVersions.experimentId, experimentId), eq(scorerVersions.name, name)))
    .orderBy(desc(scorerVersions.version))
    .limit(1);
  return rows[0];
}

/** Inserts the version unless (experiment, name, version) exists; false when another writer took it. */
export async function insertScorerVersion(db: Db, row: typeof scorerVersions.$inferInsert): Promise<boolean> {
  const inserted = await db.insert(scorerVersions).values(row).onConflictDoNothing().returning({ v: scorerVersions.version });
  return inserted.length > 0;
}

export async function countScorerNames(db: Db, experimentId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(distinct ${scorerVersions.name})::int` })
    .from(scorerVersions)
    .where(eq(scorerVersions.experimentId, experimentId));
  return row?.n ?? 0;
}

/** The latest version of each scorer of the experiment, by name. */
export async function latestScorers(db: Db, experimentId: number): Promise<ScorerVersionRow[]> {
  const latest = db
    .select({ name: scorerVersions.name, version: max(scorerVersions.version).as("latest") })
    .from(scorerVersions)
    .where(eq(scorerVersions.experimentId, experimentId))
    .groupBy(scorerVersions.name)
    .as("latest");
  const rows = await db
    .select({ s: scorerVersions })
    .from(scorerVersions)
    .innerJoin(latest, and(eq(scorerVersions.name, latest.name), eq(scorerVersions.version, latest.version)))
    .where(eq(scorerVersions.experimentId, experimentId))
    .orderBy(asc(scorerVersions.name));
  return rows.map((r) => r.s);
}

export async function scorerVersionsOf(db: Db, experimentId: number, name: string): Promise<ScorerVersionRow[]> {
  return db
    .select()
    .from(scorerVersions)
    .where(and(eq(scorerVersions.experimentId, experimentId), eq(scorerVersions.name, name)))
    .orderBy(asc(scorerVersions.version));
}

export async function findScorerVersion(
  db: Db,
  experimentId: number,
  name: string,
  version: number,
): Promise<ScorerVersionRow | undefined> {
  const rows = await db
    .select()
    .from(scorerVersions)
    .where(and(eq(scorerVersions.experimentId, experimentId), eq(scorerVersions.name, name), eq(scorerVersions.version, version)))
    .limit(1);
  return rows[0];
}

/** Deletes one version, or every version when `version` is undefined; how many went. */
export async function deleteScorerVersions(db: Db, experimentId: number, name: string, version?: number): Promise<number> {
  const where = [eq(scorerVersions.experimentId, experimentId), eq(scorerVersions.name, name)];
  if (version !== undefined) where.push(eq(scorerVersions.version, version));
  const gone = await db
    .delete(scorerVersions)
    .where(and(...where))
    .returning({ v: scorerVersions.version });
  return gone.length;
}

export async function countDatasetsOfExperiment(db: Db, experimentId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(evaluationDatasetExperiments)
    .where(eq(evaluationDatasetExperiments.experimentId, experimentId));
  return row?.n ?? 0;
}

/** The experiment's datasets for its page (which checked the caller may read it), most recently changed first. */
export async function datasetsOfExperiment(db: Db, experimentId: number, limit: number): Promise<DatasetRow[]> {
  return searchDatasets(db, {
    experimentIds: [experimentId],
    readable: allRows,
    conditions: [],
    order: [desc(evaluationDatasets.lastUpdateTime)],
    limit,
    offset: 0,
  });
}
