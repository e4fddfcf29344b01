import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { putFile } from "@/lib/artifacts/store";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { ApiError } from "@/lib/http/api-error";
import { operation, principal } from "../testing";
import { registerModelFromRun } from "../registry/register-from-run";
import { deleteRunOf, editRun, restoreRunOf } from "../runs/edit";
import { chartRuns } from "./run-chart";

const ops = {
  createExperiment: operation("experiments/create"),
  createRun: operation("runs/create"),
  getRun: operation("runs/get", "GET"),
  logBatch: operation("runs/log-batch"),
  search: operation("runs/search"),
};

const ann = principal("chart-ann");
const bob = principal("chart-bob");
let seq = 0;
const dir = mkdtempSync(path.join(os.tmpdir(), "atrium-run-chart-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err;
}

for (const kind of DB_KINDS) {
  describe(`the experiment page's run actions (${kind})`, () => {
    const db = useTestDatabase(kind);
    const ctx = { db: () => ({ db: db(), principal: ann }) };

    async function experimentWithRuns(n: number): Promise<{ experimentId: string; runIds: string[] }> {
      const { experiment_id } = (await ops.createExperiment(ctx.db(), { name: `chart-${kind}-${++seq}` })) as { experiment_id: string };
      const runIds: string[] = [];
      for (let i = 0; i < n; i++) {
        const { run } = (await ops.createRun(ctx.db(), { experiment_id, run_name: `r${i}`, start_time: 1_000 + i })) as {
          run: { info: { run_id: string } };
        };
        runIds.push(run.info.run_id);
        await ops.logBatch(ctx.db(), {
          run_id: run.info.run_id,
          metrics: [
            { key: "acc", value: i / 10, timestamp: 1, step: 0 },
            { key: "loss", value: 1 - i / 10, timestamp: 1, step: 0 },
          ],
          params: [
            { key: "depth", value: String(i) },
            { key: "unused", value: "x" },
          ],
        });
      }
      return { experimentId: experiment_id, runIds };
    }

    it("charts the runs the table's filter selects, in its order, with only the asked keys, and says when it capped them", async () => {
      const { experimentId } = await experimentWithRuns(5);
      const filter = "metrics.acc >= 0.2";
      const table = (await ops.search(ctx.db(), { experiment_ids: [experimentId], filter, order_by: ["metrics.acc DESC"] })) as {
        runs: { info: { run_name: string } }[];
      };
      const chart = await chartRuns(db(), ann, Number(experimentId), {
        filter,
        orderBy: ["metrics.acc DESC"],
        metrics: ["acc"],
        params: ["depth"],
      });
      expect(chart.runs.map((r) => r.name)).toEqual(table.runs.map((r) => r.info.run_name));
      expect(chart.runs[0]).toMatchObject({ name: "r4", metrics: { acc: 0.4 }, params: { depth: "4" } });
      expect(chart.runs[0]?.metrics.loss).toBeUndefined();
      expect(chart.capped).toBe(false);
      const capped = await chartRuns(
        db(),
        ann,
        Number(experimentId),
        { filter, orderBy: ["metrics.acc DESC"], metrics: [], params: [] },
        2,
      );
      expect(capped).toMatchObject({ capped: true, limit: 2 });
      expect(capped.runs.map((r) => r.name)).toEqual(["r4", "r3"]);
      const bad = await refusal(
        chartRuns(db(), ann, Number(experimentId), { filter: "metrics.acc >>", orderBy: [], metrics: [], params: [] }),
      );
      expect(bad.status).toBe(400);
    });

    it("edits a run's name, description and tags at once; only who may change it; deletes softly and restores", async () => {
      const {
        runIds: [id = ""],
      } = await experimentWithRuns(1);
      await editRun(db(), ann, id, { name: "renamed", description: "why", setTags: [{ key: "stage", value: "dev" }] });
      const refused = await refusal(editRun(db(), bob, id, { name: "hijacked" }));
      expect(refused.status).toBe(403);
      // A refused step leaves nothing half-done: the name change before the bad tag is rolled back.
      const bad = await refusal(editRun(db(), ann, id, { name: "half", setTags: [{ key: "", value: "x" }] }));
      expect(bad.status).toBe(400);
      const got = (await ops.getRun(ctx.db(), { run_id: id })) as {
        run: { info: { run_name: string }; data: { tags: { key: string; value: string }[] } };
      };
      expect(got.run.info.run_name).toBe("renamed");
      expect(Object.fromEntries(got.run.data.tags.map((t) => [t.key, t.value]))).toMatchObject({
        stage: "dev",
        "mlflow.note.content": "why",
      });
      expect((await refusal(deleteRunOf(db(), bob, id))).status).toBe(403);
      await deleteRunOf(db(), ann, id);
      expect(
        ((await ops.getRun(ctx.db(), { run_id: id })) as { run: { info: { lifecycle_stage: string } } }).run.info.lifecycle_stage,
      ).toBe("deleted");
      await restoreRunOf(db(), ann, id);
      expect(
        ((await ops.getRun(ctx.db(), { run_id: id })) as { run: { info: { lifecycle_stage: string } } }).run.info.lifecycle_stage,
      ).toBe("active");
    });

    it("registers a run's model only when an MLmodel file is there", async () => {
      const store = new LocalArtifactStore(path.join(dir, kind));
      const {
        experimentId,
        runIds: [id = ""],
      } = await experimentWithRuns(1);
      const name = `chart-model-${kind}-${seq}`;
      const empty = await refusal(registerModelFromRun(db(), store, ann, { runId: id, name, path: "model" }));
      expect(empty).toMatchObject({ status: 409, code: "no_model_files" });
      await putFile(
        store,
        `${experimentId}/${id}/artifacts/model/MLmodel`,
        (async function* () {
          yield new TextEncoder().encode("flavors: {}\n");
        })(),
      );
      const version = await registerModelFromRun(db(), store, ann, { runId: id, name, path: "model" });
      expect(version).toMatchObject({ name, version: "1", run_id: id });
    });
  });
}
