/** Writes of the request log (lib/serving/request-log.ts): batches of rows, and the retention's deletes. */
import { asc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../client";
import { boolArray, numberArray, textArray } from "./array-params";
import { servingEndpoints, servingRequestLog } from "../schema";

export type RequestLogInsert = Omit<typeof servingRequestLog.$inferInsert, "id">;

/**
 * One statement, one array parameter a column (array-params.ts): fifteen bound parameters a row cost the portal
 * more CPU to build than the proxy spends on the call the row describes (bench:serving, docs/serving.md).
 */
export async function insertRequestLogRows(db: Db, rows: readonly RequestLogInsert[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(pick: (r: RequestLogInsert) => T) => rows.map(pick);
  const now = new Date();
  await db.execute(sql`
    INSERT INTO ${servingRequestLog} (endpoint_id, endpoint_name, at, caller_id, caller_name, token_id, served_entity,
      model_version, shadow, status, latency_ms, request_bytes, response_bytes, request_sample, response_sample)
    SELECT * FROM unnest(${textArray(col((r) => r.endpointId))}::text[], ${textArray(col((r) => r.endpointName))}::text[],
      ${textArray(col((r) => (r.at ?? now).toISOString()))}::timestamptz[], ${textArray(col((r) => r.callerId))}::text[],
      ${textArray(col((r) => r.callerName))}::text[], ${textArray(col((r) => r.tokenId))}::text[],
      ${textArray(col((r) => r.servedEntity))}::text[], ${numberArray(col((r) => r.modelVersion))}::integer[],
      ${boolArray(col((r) => r.shadow ?? false))}::boolean[], ${numberArray(col((r) => r.status))}::integer[],
      ${numberArray(col((r) => r.latencyMs))}::real[], ${numberArray(col((r) => r.requestBytes ?? 0))}::integer[],
      ${numberArray(col((r) => r.responseBytes ?? 0))}::integer[], ${textArray(col((r) => r.requestSample))}::text[],
      ${textArray(col((r) => r.responseSample))}::text[])`);
}

/**
 * Deletes rows older than their endpoint's `log_retention_days`, or `defaultDays` for an endpoint that was
 * deleted, at most `limit` rows a call (the oldest first); returns how many went.
 */
export async function deleteExpiredRequestLog(db: Db, defaultDays: number, limit = 10_000): Promise<number> {
  const days = sql`coalesce(${servingEndpoints.logRetentionDays}, ${defaultDays}::int)`;
  const expired = db
    .select({ id: servingRequestLog.id })
    .from(servingRequestLog)
    .leftJoin(servingEndpoints, eq(servingEndpoints.id, servingRequestLog.endpointId))
    .where(sql`${servingRequestLog.at} < now() - make_interval(days => ${days})`)
    .orderBy(asc(servingRequestLog.at))
    .limit(limit);
  const gone = await db.delete(servingRequestLog).where(inArray(servingRequestLog.id, expired)).returning({ id: servingRequestLog.id });
  return gone.length;
}
