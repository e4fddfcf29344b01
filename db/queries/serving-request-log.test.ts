import { sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { servingRequestLog } from "../schema";
import { DB_KINDS } from "../testing";
import { useTestDatabase } from "../testing-hooks";
import { pageRequests, requestCountsSince, requestSeries, sampledBodies, type RequestCursor } from "./serving-request-log";

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 7, 10, 0, 0);

type Row = typeof servingRequestLog.$inferInsert;
const row = (at: number, extra: Partial<Row> = {}): Row => ({
  endpointId: "ep-1",
  endpointName: "churn",
  at: new Date(at),
  callerName: "alice",
  servedEntity: "churn-1",
  modelVersion: 1,
  status: 200,
  latencyMs: 10,
  ...extra,
});

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(servingRequestLog);
    });

    it("buckets requests per served entity with error counts and latency percentiles, inside the range only", async () => {
      const rows: Row[] = [];
      // Bucket 10:00–10:01: churn-1 answers 100 requests with latencies 1..100 ms, 10 of them 500s.
      for (let i = 1; i <= 100; i++) rows.push(row(T0 + i * 100, { latencyMs: i, status: i % 10 === 0 ? 500 : 200 }));
      // Same bucket, churn-2 (canary, version 2): 4 requests, one 400.
      for (let i = 0; i < 4; i++)
        rows.push(row(T0 + 1000 + i, { servedEntity: "churn-2", modelVersion: 2, latencyMs: 50, status: i === 0 ? 400 : 200 }));
      // Bucket 10:05: one churn-1 request; before and after the range: not counted; another endpoint: not counted.
      rows.push(row(T0 + 5 * 60_000 + 1, { latencyMs: 7 }));
      rows.push(row(T0 - 1), row(T0 + HOUR), row(T0 + 10, { endpointId: "ep-2" }));
      await db().insert(servingRequestLog).values(rows);

      const series = await requestSeries(db(), "ep-1", { from: new Date(T0), to: new Date(T0 + HOUR), bucketS: 60 });
      expect(series.map((s) => [s.bucket, s.servedEntity, s.modelVersion, s.requests, s.errors])).toEqual([
        [T0 / 1000, "churn-1", 1, 100, 10],
        [T0 / 1000, "churn-2", 2, 4, 1],
        [T0 / 1000 + 300, "churn-1", 1, 1, 0],
      ]);
      const first = series[0];
      expect(first?.p50).toBeCloseTo(50.5, 5);
      expect(first?.p95).toBeCloseTo(95.05, 5);
      expect(first?.p99).toBeCloseTo(99.01, 5);
      expect(series[2]?.p99).toBe(7);
    });

    it("a week of rows at one-hour buckets answers at most 168 points per served entity", async () => {
      const week = 7 * 24 * HOUR;
      const rows: Row[] = [];
      for (let i = 0; i < 5000; i++) rows.push(row(T0 + Math.floor((i / 5000) * week), { servedEntity: i % 2 ? "a" : "b" }));
      await db().insert(servingRequestLog).values(rows);
      const series = await requestSeries(db(), "ep-1", { from: new Date(T0), to: new Date(T0 + week), bucketS: 3600 });
      expect(series.length).toBe(2 * 168);
      expect(series.reduce((n, s) => n + s.requests, 0)).toBe(5000);
    });

    it("pages newest first by keyset without skipping or repeating rows of the same microsecond, and filters", async () => {
      // 25 rows, five of them sharing one timestamp to the microsecond (the keyset's tie).
      const values: Row[] = [];
      for (let i = 0; i < 20; i++)
        values.push(row(T0 + i * 1000, { status: i % 4 === 0 ? 500 : 200, callerName: i % 2 ? "bob" : "alice" }));
      await db().insert(servingRequestLog).values(values);
      for (let i = 0; i < 5; i++) {
        await db().execute(
          sql`insert into serving_request_log (endpoint_id, endpoint_name, at, caller_name, served_entity, status, latency_ms)
              values ('ep-1', 'churn', '2026-12-07 10:00:05.500123+00', 'carol', 'churn-1', 200, 1)`,
        );
      }
      const seen: number[] = [];
      let after: RequestCursor | null = null;
      for (let page = 0; page < 10; page++) {
        const rows = await pageRequests(db(), "ep-1", {}, after, 7);
        seen.push(...rows.map((r) => r.id));
        const last = rows.at(-1);
        if (rows.length < 7 || !last) break;
        after = { at: last.cursorAt, id: last.id };
      }
      expect(seen.length).toBe(25);
      expect(new Set(seen).size).toBe(25);
      const all = await pageRequests(db(), "ep-1", {}, null, 100);
      expect(all.map((r) => r.id)).toEqual(seen);
      expect(all.map((r) => r.at.getTime())).toEqual([...all.map((r) => r.at.getTime())].sort((a, b) => b - a));

      expect((await pageRequests(db(), "ep-1", { status: "error" }, null, 100)).length).toBe(5);
      expect((await pageRequests(db(), "ep-1", { status: 500, caller: "alice" }, null, 100)).length).toBe(5);
      expect((await pageRequests(db(), "ep-1", { caller: "carol" }, null, 100)).length).toBe(5);
      expect((await pageRequests(db(), "ep-1", { servedEntity: "nope" }, null, 100)).length).toBe(0);
      const range = await pageRequests(db(), "ep-1", { from: new Date(T0 + 2000), to: new Date(T0 + 4000) }, null, 100);
      expect(range.map((r) => r.at.getTime())).toEqual([T0 + 3000, T0 + 2000]);
    });

    it("counts the last hour per endpoint without shadow copies, and reads sampled bodies of answered requests", async () => {
      await db()
        .insert(servingRequestLog)
        .values([
          row(T0, { requestSample: '{"inputs":[1]}', responseSample: '{"predictions":[1]}' }),
          row(T0 + 1, { shadow: true, requestSample: '{"inputs":[2]}' }),
          row(T0 + 2, { status: 400, requestSample: '{"inputs":"bad"}' }),
          row(T0 + 3),
          row(T0 + 4, { endpointId: "ep-2" }),
        ]);
      const counts = await requestCountsSince(db(), ["ep-1", "ep-2", "ep-3"], new Date(T0));
      expect(Object.fromEntries(counts)).toEqual({ "ep-1": 3, "ep-2": 1 });
      const bodies = await sampledBodies(db(), "ep-1", { from: new Date(T0), to: new Date(T0 + HOUR) }, 10);
      expect(bodies.map((b) => b.request)).toEqual(['{"inputs":[2]}', '{"inputs":[1]}']);
    });
  });
}
