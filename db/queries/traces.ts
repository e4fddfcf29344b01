/** MLflow 3 traces: their info rows, spans (paged), run links and assessments (lib/tracking/traces/). */
import { and, asc, desc, eq, gt, inArray, isNotNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { numberArray, textArray } from "./array-params";
import { rowsOf } from "./metric-intervals";
import type { ReadFilter } from "./readable";
import { traceAssessments, traceRunLinks, traces, traceSpans } from "../schema";

export type TraceRow = typeof traces.$inferSelect;
export type NewTrace = typeof traces.$inferInsert;
export type SpanRow = typeof traceSpans.$inferSelect;
export type NewSpan = Omit<typeof traceSpans.$inferInsert, "traceId">;
export type AssessmentRow = typeof traceAssessments.$inferSelect;
export type NewAssessment = typeof traceAssessments.$inferInsert;

export async function findTrace(db: Db, traceId: string): Promise<TraceRow | undefined> {
  const rows = await db.select().from(traces).where(eq(traces.traceId, traceId)).limit(1);
  return rows[0];
}

/** Locks the row for the rest of the transaction, so concurrent span writes to one trace add up their bytes one at a time. */
export async function lockTrace(db: Db, traceId: string): Promise<TraceRow | undefined> {
  const rows = await db.select().from(traces).where(eq(traces.traceId, traceId)).for("update").limit(1);
  return rows[0];
}

export async function findTraces(db: Db, traceIds: string[]): Promise<TraceRow[]> {
  if (traceIds.length === 0) return [];
  return db.select().from(traces).where(inArray(traces.traceId, traceIds));
}

/** Inserts the trace unless its id exists; the row as stored either way, and whether it was new. */
export async function insertTraceIfMissing(db: Db, row: NewTrace): Promise<{ row: TraceRow; created: boolean }> {
  const [inserted] = await db.insert(traces).values(row).onConflictDoNothing().returning();
  if (inserted) return { row: inserted, created: true };
  const existing = await lockTrace(db, row.traceId);
  if (!existing) throw new Error(`trace ${row.traceId} vanished during its insert`);
  return { row: existing, created: false };
}

export async function updateTrace(db: Db, traceId: string, patch: Partial<Omit<NewTrace, "traceId">>): Promise<TraceRow> {
  const [row] = await db.update(traces).set(patch).where(eq(traces.traceId, traceId)).returning();
  if (!row) throw new Error(`trace ${traceId} vanished during its update`);
  return row;
}

/** Adds or replaces tags in one statement (concurrent writers of different keys both land). */
export async function mergeTraceTags(db: Db, traceId: string, tags: Record<string, string>): Promise<void> {
  await db
    .update(traces)
    .set({ tags: sql`${traces.tags} || ${JSON.stringify(tags)}::jsonb` })
    .where(eq(traces.traceId, traceId));
}

export async function deleteTraceTag(db: Db, traceId: string, key: string): Promise<void> {
  await db
    .update(traces)
    .set({ tags: sql`${traces.tags} - ${key}::text` })
    .where(eq(traces.traceId, traceId));
}

export interface TraceQuery {
  readable: ReadFilter;
  experimentIds: number[];
  where?: SQL | undefined;
  orderBy: SQL[];
  limit: number;
  offset: number;
}

export async function searchTraceRows(db: Db, q: TraceQuery): Promise<TraceRow[]> {
  if (q.experimentIds.length === 0) return [];
  return db
    .select()
    .from(traces)
    .where(and(q.readable({ id: traces.ownerId, experiment: traces.experimentId }), inArray(traces.experimentId, q.experimentIds), q.where))
    .orderBy(...q.orderBy)
    .limit(q.limit)
    .offset(q.offset);
}

/** The deleted rows, so their span bytes can be given back to their owners' storage. */
export async function deleteTracesByIds(db: Db, experimentId: number, traceIds: string[]): Promise<TraceRow[]> {
  if (traceIds.length === 0) return [];
  return db
    .delete(traces)
    .where(and(eq(traces.experimentId, experimentId), inArray(traces.traceId, traceIds)))
    .returning();
}

/** The oldest `maxTraces` traces at or before `maxTimestamp`, as MLflow's DeleteTraces picks them. */
export async function deleteTracesOlderThan(db: Db, experimentId: number, maxTimestamp: number, maxTraces?: number): Promise<TraceRow[]> {
  const picked = db
    .select({ id: traces.traceId })
    .from(traces)
    .where(and(eq(traces.experimentId, experimentId), lte(traces.requestTime, maxTimestamp)))
    .orderBy(asc(traces.requestTime), asc(traces.traceId))
    .limit(maxTraces ?? Number.MAX_SAFE_INTEGER);
  return db.delete(traces).where(inArray(traces.traceId, picked)).returning();
}

/** Span bytes per trace owner (by id; nobody's traces left out), for the storage recount. */
export async function spanBytesByOwner(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .select({ ownerId: traces.ownerId, bytes: sql<number>`coalesce(sum(${traces.spanBytes}), 0)`.mapWith(Number) })
    .from(traces)
    .where(isNotNull(traces.ownerId))
    .groupBy(traces.ownerId);
  return new Map(rows.flatMap((r) => (r.ownerId === null ? [] : [[r.ownerId, r.bytes] as const])));
}

/**
 * Stores spans (a span sent again replaces itself: the OTLP export and the final traces.json carry the same
 * ones) and returns the trace's span bytes afterwards, kept on the trace row.
 */
export async function upsertSpans(db: Db, traceId: string, spans: NewSpan[]): Promise<number> {
  // One statement, one array parameter a column (array-params.ts). Its parts all see the spans as they were
  // before it, so the trace's new total is the spans it keeps (those not sent again) plus the ones sent: what a
  // sum after the insert would give, without a second round trip. The caller holds the trace row locked.
  const col = <K extends keyof NewSpan>(k: K) => spans.map((s) => s[k]);
  const ids = textArray(col("spanId"));
  const [row] = rowsOf(
    await db.execute(sql`
    WITH written AS (
      INSERT INTO ${traceSpans} (trace_id, span_id, parent_span_id, name, span_type, status_code, start_us, end_us, content, size_bytes)
      SELECT ${traceId}, s.* FROM unnest(${ids}::text[], ${textArray(col("parentSpanId"))}::text[],
        ${textArray(col("name"))}::text[], ${textArray(col("spanType"))}::text[], ${textArray(col("statusCode"))}::text[],
        ${numberArray(col("startUs"))}::bigint[], ${numberArray(col("endUs"))}::bigint[],
        ${textArray(spans.map((s) => JSON.stringify(s.content)))}::jsonb[], ${numberArray(col("sizeBytes"))}::integer[])
        AS s(span_id, parent_span_id, name, span_type, status_code, start_us, end_us, content, size_bytes)
      ON CONFLICT (trace_id, span_id) DO UPDATE SET parent_span_id = excluded.parent_span_id, name = excluded.name,
        span_type = excluded.span_type, status_code = excluded.status_code, start_us = excluded.start_us,
        end_us = excluded.end_us, content = excluded.content, size_bytes = excluded.size_bytes
    )
    UPDATE ${traces} SET span_bytes = (
      (SELECT coalesce(sum(k.size_bytes), 0) FROM ${traceSpans} k WHERE k.trace_id = ${traceId} AND NOT (k.span_id = ANY(${ids}::text[])))
      + ${spans.reduce((n, s) => n + s.sizeBytes, 0)}::bigint)::int
    WHERE trace_id = ${traceId}
    RETURNING span_bytes AS bytes`),
  );
  return Number(row?.bytes ?? 0);
}

export interface SpanCursor {
  startUs: number;
  spanId: string;
}

/** One page of a trace's spans in start order, after `cursor`. */
export async function spansPage(db: Db, traceId: string, limit: number, cursor?: SpanCursor): Promise<SpanRow[]> {
  const after = cursor
    ? or(gt(traceSpans.startUs, cursor.startUs), and(eq(traceSpans.startUs, cursor.startUs), gt(traceSpans.spanId, cursor.spanId)))
    : undefined;
  return db
    .select()
    .from(traceSpans)
    .where(and(eq(traceSpans.traceId, traceId), after))
    .orderBy(asc(traceSpans.startUs), asc(traceSpans.spanId))
    .limit(limit);
}

export async function linkTracesToRun(db: Db, runUuid: string, traceIds: string[]): Promise<void> {
  if (traceIds.length === 0) return;
  await db
    .insert(traceRunLinks)
    .values(traceIds.map((traceId) => ({ traceId, runUuid })))
    .onConflictDoNothing();
}

/** `run_id = '…'` in a trace search: made in the run (metadata mlflow.sourceRun) or linked to it. */
export function madeInOrLinkedTo(runUuid: string): SQL {
  return sql`(${traces.metadata}->>'mlflow.sourceRun' = ${runUuid} or exists (select 1 from ${traceRunLinks} where ${traceRunLinks.traceId} = ${traces.traceId} and ${traceRunLinks.runUuid} = ${runUuid}))`;
}

/** Undefined when the id is taken (ids may come from the client, inside StartTraceV3's trace info). */
export async function insertAssessment(db: Db, row: NewAssessment): Promise<AssessmentRow | undefined> {
  const [inserted] = await db.insert(traceAssessments).values(row).onConflictDoNothing().returning();
  return inserted;
}

export async function findAssessment(db: Db, traceId: string, assessmentId: string): Promise<AssessmentRow | undefined> {
  const rows = await db
    .select()
    .from(traceAssessments)
    .where(and(eq(traceAssessments.traceId, traceId), eq(traceAssessments.assessmentId, assessmentId)))
    .limit(1);
  return rows[0];
}

export async function updateAssessment(db: Db, assessmentId: string, patch: Partial<NewAssessment>): Promise<AssessmentRow> {
  const [row] = await db.update(traceAssessments).set(patch).where(eq(traceAssessments.assessmentId, assessmentId)).returning();
  if (!row) throw new Error(`assessment ${assessmentId} vanished during its update`);
  return row;
}

export async function setAssessmentValid(db: Db, traceId: string, assessmentId: string, valid: boolean): Promise<void> {
  await db
    .update(traceAssessments)
    .set({ valid })
    .where(and(eq(traceAssessments.traceId, traceId), eq(traceAssessments.assessmentId, assessmentId)));
}

export async function deleteAssessment(db: Db, assessmentId: string): Promise<void> {
  await db.delete(traceAssessments).where(eq(traceAssessments.assessmentId, assessmentId));
}

/** Assessments of these traces, oldest first, by trace. */
export async function assessmentsOf(db: Db, traceIds: string[]): Promise<Map<string, AssessmentRow[]>> {
  const out = new Map<string, AssessmentRow[]>();
  if (traceIds.length === 0) return out;
  const rows = await db
    .select()
    .from(traceAssessments)
    .where(inArray(traceAssessments.traceId, traceIds))
    .orderBy(asc(traceAssessments.createTime), asc(traceAssessments.assessmentId));
  for (const r of rows) out.set(r.traceId, [...(out.get(r.traceId) ?? []), r]);
  return out;
}

/** Traces linked to a run or made in it, newest first (the run page). */
export async function tracesOfRun(db: Db, runUuid: string, limit: number): Promise<TraceRow[]> {
  return db.select().from(traces).where(madeInOrLinkedTo(runUuid)).orderBy(desc(traces.requestTime), asc(traces.traceId)).limit(limit);
}
