/** Writes of the request log (lib/serving/request-log.ts): batches of rows, and the retention's deletes. */
import { asc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../client";
import { servingEndpoints, servingRequestLog } from "../schema";

export type RequestLogInsert = Omit<typeof servingRequestLog.$inferInsert, "id">;

export async function insertRequestLogRows(db: Db, rows: readonly RequestLogInsert[]): Promise<void> {
  if (rows.length > 0) await db.insert(servingRequestLog).values([...rows]);
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
