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

    // The expected steps below are MLflow's own test cases (tests/server/test_handlers.py
    // `test_get_sampled_steps_from_steps`, tests/tracking/test_rest_tracking.py
    // `test_get_metric_history_bulk_interval_respects_max_results`) and values worked out with its
    // `get_metric_history_bulk_interval` (mlflow/store/tracking/abstract_store.py).
    it("picks MLflow's steps: evenly spaced positions plus the last (0, 2, 4, 6, 8, 9 of ten steps at max_results 5)", async () => {
      const id = await runWith(Array.from({ length: 10 }, (_, step) => ({ value: 10, step, timestamp: 1 })));
      const steps = async (q: Json) =>
        ((await ok(interval({ run_ids: id, metric_key: "loss", ...q }))).metrics as Point[]).map((p) => p.step);
      expect(await steps({ max_results: 5 })).toEqual([0, 2, 4, 6, 8, 9]);
      expect(await steps({ max_results: 5, start_step: 0, end_step: 4 })).toEqual([0, 1, 2, 3, 4]);
      expect(await steps({ max_results: 5, start_step: 4, end_step: 8 })).toEqual([4, 5, 6, 7, 8]);
      const body = await ok(interval({ run_ids: id, metric_key: "loss", max_results: 5 }));
      expect((body.metrics as Point[])[1]).toEqual({ key: "loss", value: 10, timestamp: 1, step: 2, run_id: id });
    });

    it("samples steps logged at intervals among the steps that exist (0, 200 … 1000 of 0, 10 … 1000)", async () => {
      const id = await runWith(Array.from({ length: 101 }, (_, i) => ({ value: i, step: i * 10 })));
      const pts = (await ok(interval({ run_ids: id, metric_key: "loss", max_results: 5 }))).metrics as Point[];
      expect(pts.map((p) => p.step)).toEqual([0, 200, 400, 600, 800, 1000]);
    });

    it("samples the union of the runs' steps and adds each run's first and last step (0, 4, 8, 9, 12, 16, 19)", async () => {
      const a = await runWith(Array.from({ length: 10 }, (_, step) => ({ value: 1, step })));
      const b = await runWith(Array.from({ length: 20 }, (_, step) => ({ value: 2, step })));
      const pts = (await ok(interval({ run_ids: [a, b], metric_key: "loss", max_results: 5 }))).metrics as Point[];
      const stepsOf = (run: string) => pts.filter((p) => p.run_id === run).map((p) => p.step);
      expect(pts[0]?.run_id).toBe(a);
      expect(stepsOf(a)).toEqual([0, 4, 8, 9]);
      expect(stepsOf(b)).toEqual([0, 4, 8, 9, 12, 16, 19]);
      // Given in the other order, the runs answer in that order.
      const swapped = (await ok(interval({ run_ids: [b, a], metric_key: "loss", max_results: 5 }))).metrics as Point[];
      expect(swapped[0]?.run_id).toBe(b);
    });

    it("answers every point at a picked step, by step then timestamp", async () => {
      const id = await runWith([
        ...Array.from({ length: 10 }, (_, step) => ({ value: 10, step, timestamp: 1 })),
        ...Array.from({ length: 10 }, (_, step) => ({ value: 10, step, timestamp: 2 })),
      ]);
      const pts = (await ok(interval({ run_ids: id, metric_key: "loss", max_results: 5 }))).metrics as Point[];
      expect(pts.map((p) => [p.step, p.timestamp])).toEqual(
        [0, 2, 4, 6, 8, 9].flatMap((s) => [
          [s, 1],
          [s, 2],
        ]),
      );
    });

    it("samples 10,000 steps at positions int(i * n / max_results), in a range too", async () => {
      const id = await runWith(Array.from({ length: 10_000 }, (_, step) => ({ value: step * 2, step })));
      const pts = (await ok(interval({ run_ids: id, metric_key: "loss", max_results: 100 }))).metrics as Point[];
      expect(pts.map((p) => p.step)).toEqual([...Array.from({ length: 100 }, (_, i) => i * 100), 9999]);
      expect(pts.every((p) => p.value === p.step * 2)).toBe(true);
      const ranged = (await ok(interval({ run_ids: id, metric_key: "loss", max_results: 11, start_step: 100, end_step: 200 })))
        .metrics as Point[];
      expect(ranged.map((p) => p.step)).toEqual([100, 109, 118, 127, 136, 145, 155, 164, 173, 182, 191, 200]);
    });

    it("answers every point of a metric logged without steps (all at step 0), as MLflow does", async () => {
      const id = await runWith(Array.from({ length: 30 }, (_, i) => ({ value: i, step: 0, timestamp: 5_000 + i })));
      const pts = (await ok(interval({ run_ids: id, metric_key: "loss", max_results: 5 }))).metrics as Point[];
      expect(pts.map((p) => p.timestamp)).toEqual(Array.from({ length: 30 }, (_, i) => 5_000 + i));
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
      await fails(
        interval({ run_ids: id, metric_key: "loss", start_step: 1 }),
        400,
        "INVALID_PARAMETER_VALUE",
        "If either start step or end step are specified, both must be specified.",
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
