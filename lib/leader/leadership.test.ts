import postgres from "postgres";
import { afterEach, describe, expect, it } from "vitest";
import { TEST_DATABASE_URL, DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { LeaderElection } from "./election";
import { startLeadership } from "./leadership";
import { replicaState } from "./state";

/** A replica's background work, observable: how often it was started and whether it runs now. */
function fakeLoops() {
  const w = { starts: 0, stops: 0, running: false };
  const lead = () => {
    w.starts++;
    w.running = true;
    return () => {
      w.stops++;
      w.running = false;
    };
  };
  return { w, lead };
}

async function until(cond: () => boolean, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}

for (const kind of DB_KINDS) {
  describe(kind, () => {
    useTestDatabase(kind);
    const elections: LeaderElection[] = [];
    const start = (lead: () => () => void, name: string) => {
      const e = startLeadership(lead, { databaseUrl: kind === "postgres" ? TEST_DATABASE_URL : null, retryMs: 200, name });
      elections.push(e);
      return e;
    };
    afterEach(async () => {
      await Promise.all(elections.splice(0).map((e) => e.stop()));
    });

    if (kind === "pglite") {
      it("the only process leads at once and says so in its replica state", async () => {
        const a = fakeLoops();
        const e = start(a.lead, "solo");
        expect(e.isLeader()).toBe(true);
        expect(a.w).toEqual({ starts: 1, stops: 0, running: true });
        expect(replicaState().leader).toBe(true);
        await e.stop();
        expect(a.w.running).toBe(false);
        expect(replicaState().leader).toBe(false);
      });
      return;
    }

    it("exactly one of two replicas runs the loops; the other takes over when the leader stops", async () => {
      const a = fakeLoops();
      const b = fakeLoops();
      const ea = start(a.lead, "replica-a");
      await until(() => ea.isLeader(), 5_000);
      const eb = start(b.lead, "replica-b");
      // Several retry rounds: B keeps trying and keeps failing while A holds the lock.
      await new Promise((r) => setTimeout(r, 700));
      expect(a.w).toEqual({ starts: 1, stops: 0, running: true });
      expect(b.w).toEqual({ starts: 0, stops: 0, running: false });
      expect(eb.isLeader()).toBe(false);

      await ea.stop();
      expect(a.w.running).toBe(false);
      const took = await until(() => eb.isLeader(), 2_000);
      expect(took).toBeLessThan(1_000);
      expect(b.w).toEqual({ starts: 1, stops: 0, running: true });
    });

    it("a leader whose connection dies stops its loops; afterwards exactly one replica leads", async () => {
      const a = fakeLoops();
      const b = fakeLoops();
      const ea = start(a.lead, "doomed-a");
      await until(() => ea.isLeader(), 5_000);
      const eb = start(b.lead, "heir-b");
      await new Promise((r) => setTimeout(r, 500));
      expect(eb.isLeader()).toBe(false);

      // What a dead leader's session looks like to Postgres: it ends, and the lock is released.
      const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
      try {
        const killed = await admin<{ ok: boolean }[]>`
          select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = 'atrium-leader-doomed-a'`;
        expect(killed.map((k) => k.ok)).toEqual([true]);
      } finally {
        await admin.end({ timeout: 1 });
      }
      // A stands down at its next check; the lock then goes to whichever replica asks first (A is
      // still alive here, unlike a crashed process, so it may win it back with a new session).
      await until(() => a.w.stops === 1, 3_000);
      await until(() => ea.isLeader() || eb.isLeader(), 3_000);
      await new Promise((r) => setTimeout(r, 600));
      expect([ea.isLeader(), eb.isLeader()].filter(Boolean)).toEqual([true]);
      expect(a.w.running).toBe(ea.isLeader());
      expect(b.w.running).toBe(eb.isLeader());
      expect(a.w.starts + b.w.starts).toBe(2);
    });
  });
}
