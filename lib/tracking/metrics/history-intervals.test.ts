import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { principal, trackingClient, type Json } from "../testing";

const alice = principal("alice");
const bob = principal("bob");
let seq = 0;

interface Point {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
  run_id: string;
}

for (const kind of DB_KINDS) {
  describe(`metrics/get-history-bulk-interval (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok, fails } = trackingClient(db);
    const post = (path: string, body: Json = {}) => call("POST", path, body, alice);
    const interval = (q: Json) => call("GET", "metrics/get-history-bulk-interval", q, bob);

    async function runWith(points: { value: number | string; step: number; timestamp?: number }[], key = "loss"): Promise<string> {
      const exp = String((await ok(post("experiments/create", { name: `intervals-${kind}-${++seq}` }))).experiment_id);
      const id = ((await ok(post("runs/create", { experiment_id: exp }))).run as { info: { run_id: string } }).info.run_id;
      for (let i = 0; i < points.length; i += 1000) {
        const metrics = points
          .slice(i, i + 1000)
          .map((p) => ({ key, value: p.value, timestamp: p.timestamp ?? 1_000 + p.step, step: p.step }));
        await ok(post("runs/log-batch", { run_id: id, metrics }));
      }
      return id;
    }

    it("returns every point when there are fewer than max_results, with run_id, NaN as a string", async () => {
      const id = await runWith([
        { value: 1, step: 0 },
        { value: "NaN", step: 1 },
        { value: 0.25, step: 2 },
      ]);
      const body = await ok(interval({ run_ids: id, metric_key: "loss" }));
      expect(body.metrics).toEqual([
        { key: "loss", value: 1, timestamp: 1000, step: 0, run_id: id },
        { key: "loss", value: "NaN", timestamp: 1001, step: 1, run_id: id },
        { key: "loss", value: 0.25, timestamp: 1002, step: 2, run_id: id },
      ]);
    });

    it("downsamples 10,000 steps to max_results points spread evenly, keeping the first and last", async () => {
      const id = await runWith(Array.from({ length: 10_000 }, (_, step) => ({ value: step * 2, step })));
      const body = await ok(interval({ run_ids: id, metric_key: "loss", max_results: 100 }));
      const pts = body.metrics as Point[];
      expect(pts).toHaveLength(100);
      // 99 buckets of ~101 steps each take their first step; the final point is the last step.
      expect(pts.map((p) => p.step)).toEqual([...Array.from({ length: 99 }, (_, i) => Math.floor((i * 10_000) / 99)), 9999]);
      expect(pts.every((p) => p.value === p.step * 2)).toBe(true);
      const ranged = (await ok(interval({ run_ids: id, metric_key: "loss", max_results: 11, start_step: 100, end_step: 200 })))
        .metrics as Point[];
      expect(ranged.map((p) => p.step)).toEqual([100, 110, 120, 130, 140, 150, 160, 170, 180, 190, 200]);
    });

    it("aligns buckets across runs and keeps the given run order", async () => {
      const a = await runWith(Array.from({ length: 50 }, (_, step) => ({ value: 1, step })));
      const b = await runWith(Array.from({ length: 100 }, (_, step) => ({ value: 2, step })));
      const pts = (await ok(interval({ run_ids: [b, a], metric_key: "loss", max_results: 11 }))).metrics as Point[];
      const stepsOf = (id: string) => pts.filter((p) => p.run_id === id).map((p) => p.step);
      expect(pts[0]?.run_id).toBe(b);
      expect(stepsOf(b)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99]);
      expect(stepsOf(a)).toEqual([0, 10, 20, 30, 40, 49]);
    });

    it("spreads points over time when a metric was logged without steps", async () => {
      const id = await runWith(Array.from({ length: 1000 }, (_, i) => ({ value: i, step: 0, timestamp: 5_000 + i })));
      const pts = (await ok(interval({ run_ids: id, metric_key: "loss", max_results: 5 }))).metrics as Point[];
      expect(pts.map((p) => p.timestamp)).toEqual([5000, 5250, 5500, 5750, 5999]);
    });

    it("answers {} for a metric the run never logged, and refuses bad requests", async () => {
      const id = await runWith([{ value: 1, step: 0 }]);
      expect(await ok(interval({ run_ids: id, metric_key: "other" }))).toEqual({});
      await fails(interval({ metric_key: "loss" }), 400, "INVALID_PARAMETER_VALUE", "must specify at least one run_id");
      await fails(interval({ run_ids: id }), 400, "INVALID_PARAMETER_VALUE", "'metric_key'");
      await fails(interval({ run_ids: id, metric_key: "loss", max_results: 2501 }), 400, "INVALID_PARAMETER_VALUE", "at most 2500");
      await fails(interval({ run_ids: id, metric_key: "loss", max_results: 0 }), 400, "INVALID_PARAMETER_VALUE", "at least 1");
      await fails(
        interval({ run_ids: id, metric_key: "loss", start_step: 5, end_step: 2 }),
        400,
        "INVALID_PARAMETER_VALUE",
        "end_step must be greater than start_step. Found start_step=5 and end_step=2.",
      );
      const many = Array.from({ length: 101 }, (_, i) => i.toString(16).padStart(32, "0"));
      await fails(
        interval({ run_ids: many, metric_key: "loss" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "cannot specify more than 100 run_ids. Received 101 run_ids.",
      );
      await fails(
        interval({ run_ids: "0123456789abcdef0123456789abcdef", metric_key: "loss" }),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "Run with id=0123456789abcdef0123456789abcdef not found",
      );
      await fails(
        call("POST", "metrics/get-history-bulk-interval", { run_ids: [id], metric_key: "loss" }, bob),
        404,
        "ENDPOINT_NOT_FOUND",
        "use GET",
      );
    });
  });
}
