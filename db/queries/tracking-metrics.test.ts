import { describe, expect, it } from "vitest";
import { and, eq } from "drizzle-orm";
import { principal, trackingClient } from "@/lib/tracking/testing";
import { latestMetrics } from "../schema";
import { DB_KINDS } from "../testing";
import { useTestDatabase } from "../testing-hooks";
import { insertMetrics, metricHistory, type MetricRow } from "./tracking";

/** Texts that an array literal must quote and escape, and numbers at the edges of a double and a bigint. */
const ODD_KEYS = ["a,b", "{x}", 'say "hi"', "back\\slash", "NULL", " spaced ", "é ✓"];
const EDGE_VALUES = [Number.MAX_VALUE, -Number.MAX_VALUE, 5e-324, 1e21, -1.5e-300, 0.1 + 0.2, 123456789.12345679];

for (const kind of DB_KINDS) {
  describe(`insertMetrics (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok } = trackingClient(db);

    async function newRun(name: string): Promise<string> {
      const exp = String((await ok(call("POST", "experiments/create", { name }, principal("alice")))).experiment_id);
      const body = await ok(call("POST", "runs/create", { experiment_id: exp }, principal("alice")));
      return (body.run as { info: { run_id: string } }).info.run_id;
    }

    it("stores every point exactly, whatever its key's characters and however large or small its numbers", async () => {
      const run = await newRun(`odd-${kind}`);
      const points: MetricRow[] = [];
      for (const key of ODD_KEYS)
        EDGE_VALUES.forEach((value, i) => points.push({ key, value, timestamp: Number.MAX_SAFE_INTEGER - i, step: i - 3, isNan: false }));
      points.push({ key: "nan", value: 0, timestamp: 1, step: 0, isNan: true });
      await insertMetrics(db(), run, points);
      await insertMetrics(db(), run, points); // exact duplicates are ignored
      for (const key of [...ODD_KEYS, "nan"]) {
        const stored = await metricHistory(db(), run, key, null, 0);
        const sent = points.filter((p) => p.key === key);
        expect(stored.length).toBe(sent.length);
        expect(new Set(stored.map((p) => JSON.stringify(p)))).toStrictEqual(new Set(sent.map((p) => JSON.stringify(p))));
      }
      const [latest] = await db()
        .select()
        .from(latestMetrics)
        .where(and(eq(latestMetrics.runUuid, run), eq(latestMetrics.key, 'say "hi"')));
      // The greatest step wins: the last of EDGE_VALUES.
      expect(latest).toMatchObject({ value: EDGE_VALUES[EDGE_VALUES.length - 1], step: EDGE_VALUES.length - 4 });
    });
  });
}
