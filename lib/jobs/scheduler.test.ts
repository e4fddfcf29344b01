import { beforeEach, describe, expect, it } from "vitest";
import { findJob, listExecutions, updateExecution, updateJob } from "@/db/queries/jobs";
import { insertUser } from "@/db/queries/users";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { bindIds } from "@/lib/auth/testing";
import { createJob } from "./manage";
import { cronRunKey, decideDue, dueTime } from "./scheduler";
import { createJobSchema } from "./schemas";
import { resetJobTables } from "./testing";

const ada: Principal = { name: "ada", role: "user", admin: false, via: "session" };

for (const kind of DB_KINDS) {
  describe(`scheduler decisions (${kind})`, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await resetJobTables(db());
      await insertUser(db(), { name: "ada", role: "user", roleSource: "default" });
      await bindIds(db(), ada);
    });

    const cronJob = async (name: string, cron: string, timeZone = "UTC") =>
      createJob(
        db(),
        ada,
        createJobSchema.parse({
          name,
          path: "x.py",
          environment: "python",
          cpu: 0.5,
          memGb: 0.5,
          timeoutS: 60,
          trigger: { kind: "cron", cron, timeZone },
        }),
      );

    it("runs a slot missed while no leader ran once, the latest of them, and not again", async () => {
      const j = await cronJob("hourly", "0 * * * *");
      await updateJob(db(), j.id, { scheduledThrough: new Date("2026-06-01T06:30:00Z") });
      const now = new Date("2026-06-01T10:15:00Z");
      expect(await decideDue(db(), now)).toBe(1);
      const [only] = await listExecutions(db(), j.id);
      expect(only).toMatchObject({ cause: "cron", state: "queued", runKey: cronRunKey(j.id, new Date("2026-06-01T10:00:00Z")) });
      expect((await findJob(db(), j.id))?.scheduledThrough?.toISOString()).toBe("2026-06-01T10:00:00.000Z");
      expect(await decideDue(db(), now)).toBe(0);
      expect(await decideDue(db(), new Date("2026-06-01T10:59:00Z"))).toBe(0);
      await updateExecution(db(), only?.id ?? "", { state: "succeeded" }); // a queued one would hold the next slot back (quota.test.ts)
      expect(await decideDue(db(), new Date("2026-06-01T11:00:00Z"))).toBe(1);
    });

    it("queues a slot once when two schedulers decide the same minute at the same time", async () => {
      const j = await cronJob("minutely", "* * * * *");
      await updateJob(db(), j.id, { scheduledThrough: new Date("2026-06-01T10:00:00Z") });
      const now = new Date("2026-06-01T10:01:30Z");
      const counts = await Promise.all([decideDue(db(), now), decideDue(db(), now), decideDue(db(), now)]);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
      expect(await listExecutions(db(), j.id)).toHaveLength(1);
    });

    it("skips paused jobs, and a resumed one starts counting from the resume", async () => {
      const j = await cronJob("paused", "* * * * *");
      await updateJob(db(), j.id, { paused: true, scheduledThrough: new Date(Date.now() - 3_600_000) });
      expect(await decideDue(db())).toBe(0);
      const row = await findJob(db(), j.id);
      expect(row && dueTime({ ...row, paused: false }, new Date())).toBeInstanceOf(Date);
    });

    it("finds a slot after a long absence without listing every minute of it", async () => {
      const j = await cronJob("long", "* * * * *");
      const row = await findJob(db(), j.id);
      if (!row) throw new Error("no job");
      const t0 = performance.now();
      const due = dueTime({ ...row, scheduledThrough: new Date("2025-01-01T00:00:00Z") }, new Date("2026-01-08T00:00:30Z"));
      expect(due?.toISOString()).toBe("2026-01-08T00:00:00.000Z");
      expect(performance.now() - t0).toBeLessThan(50);
    });
  });
}
