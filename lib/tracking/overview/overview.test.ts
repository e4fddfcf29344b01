import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { columnKeysOf, findExperimentView, findRunView, listExperimentOverview } from "./overview";
import { operation } from "../testing";

/** The operations this test logs with, called through the operation table (validation, target, transaction). */
const ops = {
  createExperiment: operation("experiments/create"),
  createRun: operation("runs/create"),
  updateRun: operation("runs/update"),
  deleteRun: operation("runs/delete"),
  logBatch: operation("runs/log-batch"),
};

const ann: Principal = { name: "xp-ann", userId: "id-xp-ann", role: "user", admin: false, via: "token" };
let seq = 0;

for (const kind of DB_KINDS) {
  describe(`experiment overview (${kind})`, () => {
    const db = useTestDatabase(kind);
    const ctx = (now: number) => ({ db: db(), principal: ann, now: () => now });

    async function experimentWithRuns(starts: { start: number; end?: number }[]): Promise<{ id: string; runIds: string[] }> {
      const { experiment_id } = (await ops.createExperiment(ctx(1_000), { name: `overview-${kind}-${++seq}` })) as {
        experiment_id: string;
      };
      const runIds: string[] = [];
      for (const s of starts) {
        const { run } = (await ops.createRun(ctx(s.start), { experiment_id, start_time: s.start })) as {
          run: { info: { run_id: string } };
        };
        runIds.push(run.info.run_id);
        if (s.end !== undefined) await ops.updateRun(ctx(s.end), { run_id: run.info.run_id, status: "FINISHED", end_time: s.end });
      }
      return { id: experiment_id, runIds };
    }

    it("counts active runs and takes the newest start or end as last activity", async () => {
      const busy = await experimentWithRuns([{ start: 5_000, end: 9_000 }, { start: 7_000 }, { start: 8_000 }]);
      const idle = await experimentWithRuns([]);
      const lastRun = busy.runIds[2] ?? "";
      await ops.deleteRun(ctx(10_000), { run_id: lastRun });
      const list = await listExperimentOverview(db(), ann);
      const byId = new Map(list.map((e) => [e.experimentId, e]));
      expect(byId.get(busy.id)).toMatchObject({ runCount: 2, lastActivity: 9_000, owner: "xp-ann", canEdit: true });
      // Whether one may rename is by id: another person of the same name may not, an admin may.
      const namesake: Principal = { ...ann, userId: "id-of-a-later-xp-ann" };
      expect((await listExperimentOverview(db(), namesake)).find((e) => e.experimentId === busy.id)?.canEdit).toBe(false);
      expect((await listExperimentOverview(db(), { ...namesake, admin: true })).find((e) => e.experimentId === busy.id)?.canEdit).toBe(
        true,
      );
      expect(byId.get("0")?.canEdit).toBe(false);
      expect(byId.get(idle.id)).toMatchObject({ runCount: 0, lastActivity: 1_000 });
      // The Default experiment is always listed, even before anyone logged to it.
      expect(byId.get("0")?.name).toBe("Default");
    });

    it("lists the metric, param and tag keys logged to an experiment's runs, sorted", async () => {
      const { id, runIds } = await experimentWithRuns([{ start: 1_000 }, { start: 2_000 }]);
      const [a = "", b = ""] = runIds;
      await ops.logBatch(ctx(3_000), {
        run_id: a,
        metrics: [{ key: "loss", value: 0.5, timestamp: 1 }],
        params: [{ key: "lr", value: "0.1" }],
        tags: [{ key: "team", value: "x" }],
      });
      await ops.logBatch(ctx(3_000), {
        run_id: b,
        metrics: [{ key: "acc", value: 0.9, timestamp: 1 }],
        params: [{ key: "depth", value: "3" }],
      });
      const keys = await columnKeysOf(db(), id);
      expect(keys).toEqual({ metrics: ["acc", "loss"], params: ["depth", "lr"], tags: ["mlflow.runName", "team"] });
      // A deleted run's keys stay columns (experiment_keys is kept by the writes, not recomputed from the runs).
      await ops.deleteRun(ctx(4_000), { run_id: b });
      expect((await columnKeysOf(db(), id)).metrics).toEqual(["acc", "loss"]);
      expect(await columnKeysOf(db(), "not-a-number")).toEqual({ metrics: [], params: [], tags: [] });
    });

    it("finds experiments and runs in MLflow's shape, and null for unknown or malformed ids", async () => {
      const { id, runIds } = await experimentWithRuns([{ start: 1_000 }]);
      expect((await findExperimentView(db(), id, ann))?.experiment_id).toBe(id);
      expect(await findExperimentView(db(), "999999", ann)).toBeNull();
      expect(await findExperimentView(db(), "../etc", ann)).toBeNull();
      const run = await findRunView(db(), runIds[0] ?? "", ann);
      expect(run?.info).toMatchObject({ experiment_id: id, status: "RUNNING", user_id: "xp-ann" });
      expect(await findRunView(db(), "0123456789abcdef0123456789abcdef", ann)).toBeNull();
      expect(await findRunView(db(), "!bad", ann)).toBeNull();
    });
  });
}
