/**
 * Reading the request log (`serving_request_log`, docs/serving.md "The pages"): one endpoint's rows paged by keyset,
 * its per-version series bucketed in SQL, its request counts, and the sampled bodies drift is computed from. Every
 * read is bounded by the endpoint, a time range and a row limit; the invocations proxy writes the rows.
 */
import { and, desc, eq, gte, inArray, isNotNull, lt, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { servingRequestLog as log } from "../schema";

type RequestLogRow = typeof log.$inferSelect;

/** Which rows: a status class or exact status, a served entity, a caller's name, a time range (from inclusive, to exclusive). */
export interface RequestFilter {
  status?: "ok" | "error" | number;
  servedEntity?: string;
  caller?: string;
  from?: Date;
  to?: Date;
}

/**
 * Where a page ends: the last row's time exactly as Postgres holds it (microseconds; a JS Date keeps milliseconds
 * and would skip rows of the same millisecond) and its id.
 */
export interface RequestCursor {
  at: string;
  id: number;
}

export type RequestPageRow = RequestLogRow & { cursorAt: string };

function filterSql(endpointId: string, f: RequestFilter): SQL | undefined {
  const status =
    f.status === undefined
      ? undefined
      : f.status === "ok"
        ? lt(log.status, 400)
        : f.status === "error"
          ? gte(log.status, 400)
          : eq(log.status, f.status);
  return and(
    eq(log.endpointId, endpointId),
    status,
    f.servedEntity !== undefined ? eq(log.servedEntity, f.servedEntity) : undefined,
    f.caller !== undefined ? eq(log.callerName, f.caller) : undefined,
    f.from ? gte(log.at, f.from) : undefined,
    f.to ? lt(log.at, f.to) : undefined,
  );
}

const afterCursor = (after: RequestCursor | null) =>
  after ? sql`(${log.at}, ${log.id}) < (${after.at}::timestamptz, ${after.id})` : undefined;

/** How many rows match, counting no further than `upTo` (an export's cap plus one: whether it is cut). */
export async function countRequestsUpTo(
  db: Db,
  endpointId: string,
  filter: RequestFilter,
  after: RequestCursor | null,
  upTo: number,
): Promise<number> {
  const matching = db
    .select({ one: sql`1` })
    .from(log)
    .where(and(filterSql(endpointId, filter), afterCursor(after)))
    .limit(upTo)
    .as("matching");
  const rows = await db.select({ n: sql<number>`count(*)`.mapWith(Number) }).from(matching);
  return rows[0]?.n ?? 0;
}

/** Newest first, at most `limit` rows after `after` (the previous page's last row); the index (endpoint, at, id) serves it. */
export async function pageRequests(
  db: Db,
  endpointId: string,
  filter: RequestFilter,
  after: RequestCursor | null,
  limit: number,
): Promise<RequestPageRow[]> {
  const rows = await db
    .select({ row: log, cursorAt: sql<string>`${log.at}::text` })
    .from(log)
    .where(and(filterSql(endpointId, filter), afterCursor(after)))
    .orderBy(desc(log.at), desc(log.id))
    .limit(limit);
  return rows.map((r) => ({ ...r.row, cursorAt: r.cursorAt }));
}

/** One bucket of one served entity: requests, errors (status 400 and above) and latency percentiles in ms. */
export interface SeriesPoint {
  bucket: number;
  servedEntity: string;
  modelVersion: number | null;
  requests: number;
  errors: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * Requests per `bucketS`-second bucket (epoch seconds, aligned to the bucket) and served entity between `from`
 * and `to`, aggregated in SQL: at most (to - from) / bucketS rows per entity, however many requests there were.
 */
export async function requestSeries(db: Db, endpointId: string, range: { from: Date; to: Date; bucketS: number }): Promise<SeriesPoint[]> {
  // Inlined, not a parameter: GROUP BY must see the very expression the SELECT has (one bound parameter each would differ).
  if (!Number.isInteger(range.bucketS) || range.bucketS < 1) throw new Error(`bucket of ${range.bucketS} s`);
  const size = sql.raw(String(range.bucketS));
  const bucket = sql<number>`(floor(extract(epoch from ${log.at}) / ${size}) * ${size})::bigint`;
  const pct = (p: number) => sql<number>`percentile_cont(${sql.raw(String(p))}) within group (order by ${log.latencyMs})`.mapWith(Number);
  const rows = await db
    .select({
      bucket: bucket.mapWith(Number),
      servedEntity: log.servedEntity,
      modelVersion: sql<number | null>`max(${log.modelVersion})`,
      requests: sql<number>`count(*)`.mapWith(Number),
      errors: sql<number>`count(*) filter (where ${log.status} >= 400)`.mapWith(Number),
      p50: pct(0.5),
      p95: pct(0.95),
      p99: pct(0.99),
    })
    .from(log)
    // Per served version: a refused call (no served entity) reached none.
    .where(and(eq(log.endpointId, endpointId), gte(log.at, range.from), lt(log.at, range.to), isNotNull(log.servedEntity)))
    .groupBy(bucket, log.servedEntity)
    .orderBy(bucket, log.servedEntity);
  return rows.flatMap((r) =>
    r.servedEntity === null
      ? []
      : [{ ...r, servedEntity: r.servedEntity, modelVersion: r.modelVersion === null ? null : Number(r.modelVersion) }],
  );
}

/** Requests each of these endpoints answered since `since` (shadow copies and refused calls not counted). */
export async function requestCountsSince(db: Db, endpointIds: readonly string[], since: Date): Promise<Map<string, number>> {
  if (endpointIds.length === 0) return new Map();
  const rows = await db
    .select({ id: log.endpointId, n: sql<number>`count(*)`.mapWith(Number) })
    .from(log)
    .where(and(inArray(log.endpointId, [...endpointIds]), gte(log.at, since), eq(log.shadow, false), isNotNull(log.servedEntity)))
    .groupBy(log.endpointId);
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** Sampled request and response bodies of answered (status < 400) requests in a window, newest first, at most `limit`. */
export async function sampledBodies(
  db: Db,
  endpointId: string,
  range: { from: Date; to: Date },
  limit: number,
): Promise<{ servedEntity: string; request: string | null; response: string | null }[]> {
  const rows = await db
    .select({ servedEntity: log.servedEntity, request: log.requestSample, response: log.responseSample })
    .from(log)
    .where(
      and(eq(log.endpointId, endpointId), gte(log.at, range.from), lt(log.at, range.to), lt(log.status, 400), isNotNull(log.requestSample)),
    )
    .orderBy(desc(log.at))
    .limit(limit);
  // A refused call has no served entity, and no body either: it never matches, which the type cannot know.
  return rows.flatMap((r) => (r.servedEntity === null ? [] : [{ ...r, servedEntity: r.servedEntity }]));
}

/**
 * The load signal of autoscaling (lib/serving/desired-replicas.ts): per endpoint and served entity, the summed latency
 * in ms of the calls that started since `since` (shadow copies included: they load their replicas too; refused calls,
 * which reached none, not). Over the window's length it is the calls in flight on average (Little's law). Every portal
 * writes its calls here, so the leader sees the load of all of them. The time index bounds the read to the window.
 */
export async function busyMsSince(db: Db, since: Date): Promise<{ endpointId: string; servedEntity: string; busyMs: number }[]> {
  const rows = await db
    .select({
      endpointId: log.endpointId,
      servedEntity: log.servedEntity,
      busyMs: sql<number>`coalesce(sum(${log.latencyMs}), 0)`.mapWith(Number),
    })
    .from(log)
    .where(and(gte(log.at, since), isNotNull(log.servedEntity)))
    .groupBy(log.endpointId, log.servedEntity);
  return rows.flatMap((r) => (r.servedEntity === null ? [] : [{ ...r, servedEntity: r.servedEntity }]));
}
