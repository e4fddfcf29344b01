/**
 * The runs page's column keys are kept where they are written (db/queries/experiment-keys.ts): every MLflow write
 * that adds a metric, param or tag key records it for the run's experiment in the request's transaction, and the
 * page reads them from there (db/queries/experiment-overview.ts), not from the runs.
 */
import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { principal, trackingClient } from "../testing";
import { columnKeysOf } from "./overview";

const ann = principal("keys-ann");
let seq = 0;

for (const kind of DB_KINDS) {
  describe(`column keys kept at write (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok, fails } = trackingClient(db);
    const post = (path: string, body: Record<string, unknown>) => ok(call("POST", path, body, ann));

    async function newRun(experimentId: string, tags: { key: string; value: string }[] = []): Promise<string> {
      const { run } = (await post("runs/create", { experiment_id: experimentId, tags })) as { run: { info: { run_id: string } } };
      return run.info.run_id;
    }

    it("records the keys of every write path, once, for the run's experiment only", async () => {
      const { experiment_id: id } = (await post("experiments/create", { name: `keys-${kind}-${++seq}` })) as { experiment_id: string };
      const { experiment_id: other } = (await post("experiments/create", { name: `keys-${kind}-${++seq}` })) as { experiment_id: string };
      const run = await newRun(id, [{ key: "team", value: "x" }]);
      expect(await columnKeysOf(db(), id)).toEqual({ metrics: [], params: [], tags: ["mlflow.runName", "team"] });

      await post("runs/log-metric", { run_id: run, key: "loss", value: 0.5, timestamp: 1, step: 0 });
      await post("runs/log-parameter", { run_id: run, key: "lr", value: "0.1" });
      await post("runs/set-tag", { run_id: run, key: "stage", value: "a" });
      await post("runs/log-batch", {
        run_id: run,
        metrics: [
          { key: "acc", value: 0.9, timestamp: 1, step: 0 },
          { key: "acc", value: 0.95, timestamp: 2, step: 1 },
          { key: "loss", value: 0.4, timestamp: 2, step: 1 },
        ],
        params: [{ key: "depth", value: "3" }],
        tags: [{ key: "note", value: "n" }],
      });
      await post("runs/log-model", {
        run_id: run,
        model_json: JSON.stringify({ artifact_path: "m", flavors: {}, run_id: run, utc_time_created: "2026-01-01 00:00:00.000000" }),
      });
      expect(await columnKeysOf(db(), id)).toEqual({
        metrics: ["acc", "loss"],
        params: ["depth", "lr"],
        tags: ["mlflow.log-model.history", "mlflow.runName", "note", "stage", "team"],
      });
      expect(await columnKeysOf(db(), other)).toEqual({ metrics: [], params: [], tags: [] });
    });

    it("keeps nothing of a refused batch, and keeps a deleted run's keys", async () => {
      const { experiment_id: id } = (await post("experiments/create", { name: `keys-${kind}-${++seq}` })) as { experiment_id: string };
      const run = await newRun(id);
      await post("runs/log-parameter", { run_id: run, key: "lr", value: "0.1" });
      // A changed param refuses the whole batch (one transaction): its new keys are not columns.
      await fails(
        call(
          "POST",
          "runs/log-batch",
          { run_id: run, params: [{ key: "lr", value: "0.2" }], metrics: [{ key: "ghost", value: 1, timestamp: 1, step: 0 }] },
          ann,
        ),
        400,
        "INVALID_PARAMETER_VALUE",
      );
      expect((await columnKeysOf(db(), id)).metrics).toEqual([]);
      await post("runs/log-metric", { run_id: run, key: "acc", value: 1, timestamp: 1, step: 0 });
      await post("runs/delete", { run_id: run });
      // Keys outlive the run (docs/architecture.md): the columns stay offered, blank for the runs shown.
      expect(await columnKeysOf(db(), id)).toEqual({ metrics: ["acc"], params: ["lr"], tags: ["mlflow.runName"] });
    });
  });
}
