/**
 * The request log's writer (issue 27 item 6; docs/serving.md, "Calling an endpoint"): the proxy hands it one row
 * per call and never waits for it. Rows wait in a bounded queue and go to Postgres in batches; when the queue is
 * full a row is dropped and counted (atrium_serving_request_log_dropped_total, and a log line at most once a
 * minute), so a slow database never slows or fails the call the row describes.
 */
import type { Db } from "@/db/client";
import { insertRequestLogRows, type RequestLogInsert } from "@/db/queries/serving-log-writes";
import { touchInvoked } from "@/db/queries/serving-routing";

export interface RequestLogOptions {
  getDb: () => Promise<Db>;
  /** Rows waiting at most (default 10,000). */
  maxQueue?: number;
  /** Rows per insert (default 500). */
  batchSize?: number;
  /** How often the queue is written (default 1,000 ms). */
  flushMs?: number;
  /** How often one endpoint's `last_invoked_at` is written at most (default 10,000 ms). */
  touchMs?: number;
  /** Each dropped row (the metric). */
  onDrop?: () => void;
}

export interface RequestLog {
  /** Queues a row; false when it was dropped. Never blocks. */
  add(row: RequestLogInsert): boolean;
  /** Writes what is queued now (the timer does this on its own). */
  flush(): Promise<void>;
  /** Rows dropped since start. */
  dropped(): number;
  /** Stops the timer and writes what is left. */
  close(): Promise<void>;
}

export function createRequestLog(opts: RequestLogOptions): RequestLog {
  const maxQueue = opts.maxQueue ?? 10_000;
  const batchSize = opts.batchSize ?? 500;
  const touchMs = opts.touchMs ?? 10_000;
  let queue: RequestLogInsert[] = [];
  let droppedRows = 0;
  let lastDropNotice = 0;
  let flushing: Promise<void> | undefined;
  /** When each endpoint's last_invoked_at was last written. */
  const touched = new Map<string, number>();

  async function writeAll(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, batchSize);
      queue = queue.slice(batch.length);
      const db = await opts.getDb();
      try {
        await insertRequestLogRows(db, batch);
      } catch (err) {
        // The rows are lost rather than retried forever against a database that refuses them.
        droppedRows += batch.length;
        for (let i = 0; i < batch.length; i++) opts.onDrop?.();
        console.warn(`[atrium] serving: ${batch.length} request log rows could not be written:`, err);
      }
      await touch(db, batch);
    }
  }

  async function touch(db: Db, batch: readonly RequestLogInsert[]): Promise<void> {
    const now = Date.now();
    const due = [...new Set(batch.map((r) => r.endpointId))].filter((id) => now - (touched.get(id) ?? 0) >= touchMs);
    if (due.length === 0) return;
    for (const id of due) touched.set(id, now);
    if (touched.size > 10_000) touched.clear();
    await touchInvoked(db, due, new Date(now)).catch((err: unknown) => console.warn("[atrium] serving: last_invoked_at not written:", err));
  }

  function flush(): Promise<void> {
    flushing ??= writeAll().finally(() => (flushing = undefined));
    return flushing;
  }

  const timer = setInterval(() => void flush(), opts.flushMs ?? 1_000);
  timer.unref();

  return {
    add(row) {
      if (queue.length >= maxQueue) {
        droppedRows++;
        opts.onDrop?.();
        const now = Date.now();
        if (now - lastDropNotice > 60_000) {
          lastDropNotice = now;
          console.warn(`[atrium] serving: the request log queue is full (${maxQueue} rows); rows are dropped and counted until it drains.`);
        }
        return false;
      }
      queue.push(row);
      return true;
    },
    flush,
    dropped: () => droppedRows,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
