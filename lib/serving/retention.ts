/**
 * The request log's retention (docs/serving.md, "Calling an endpoint"): on the leader, every hour, rows older than
 * their endpoint's `log_retention_days` go, and those of a deleted endpoint after REQUEST_LOG_DEFAULT_RETENTION_DAYS.
 */
import { deleteExpiredRequestLog } from "@/db/queries/serving-log-writes";
import { getDb } from "@/lib/runtime/db";
import { startLoop } from "@/lib/util/loop";

/** The schema's default for log_retention_days, for rows whose endpoint is gone. */
export const REQUEST_LOG_DEFAULT_RETENTION_DAYS = 30;

export function startRequestLogRetentionLoop(intervalMs = 3_600_000): () => void {
  return startLoop("request log retention", intervalMs, async () => {
    const db = await getDb();
    // In slices, so one pass never holds a long transaction over a large table.
    for (let i = 0; i < 100; i++) if ((await deleteExpiredRequestLog(db, REQUEST_LOG_DEFAULT_RETENTION_DAYS)) < 10_000) break;
  });
}
