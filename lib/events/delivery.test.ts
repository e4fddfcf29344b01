import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db, type DbHandle } from "@/db/client";
import { eventCursorsOf } from "@/db/queries/events";
import { DB_KINDS, TEST_DATABASE_URL } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { principal } from "@/lib/tracking/testing";
import type { DeliveredEvent, EventConsumer } from "./consumers";
import { deliverEvents, pruneDeliveredEvents } from "./delivery";
import { startEventsLoop } from "./loop";
import { recordEvents } from "./outbox";

let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

/** A consumer that notes every event id it is handed; `fail` decides whether a batch throws. */
function recorder(name = unique("consumer"), fail: (batch: readonly DeliveredEvent[]) => boolean = () => false) {
  const seen: number[] = [];
  const consumer: EventConsumer = {
    name,
    async deliver(batch) {
      if (fail(batch)) throw new Error(`${name} is down`);
      seen.push(...batch.map((e) => e.id));
    },
  };
  return { consumer, seen };
}

/** One replica's consumer of a shared name: takes `ms` over each batch, then notes its ids in `seen`. */
function slowConsumer(name: string, ms: number, seen: number[]): EventConsumer {
  return {
    name,
    async deliver(batch) {
      await new Promise((r) => setTimeout(r, ms));
      seen.push(...batch.map((e) => e.id));
    },
  };
}

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const countsOf = (ids: readonly number[]) => {
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
};

for (const kind of DB_KINDS) {
  describe(`event outbox delivery (${kind})`, () => {
    const db = useTestDatabase(kind);
    const alice = principal("alice");

    /** Writes `n` events in one transaction, as an operation would; returns their ids. */
    async function write(n: number): Promise<number[]> {
      const marker = unique("m");
      await db().transaction((tx) =>
        recordEvents(
          tx,
          alice,
          Array.from({ length: n }, (_, i) => ({ type: "test.happened", payload: { marker, i }, entity: { type: "test", id: marker } })),
        ),
      );
      const rows = await db().query.events.findMany({ where: (e, { sql }) => sql`${e.payload}->>'marker' = ${marker}` });
      return rows.map((r) => r.id).sort((a, b) => a - b);
    }

    it("hands every event to each of two consumers once, in id order, with who did it", async () => {
      const ids = await write(5);
      const a = recorder();
      const b = recorder();
      const handed: DeliveredEvent[] = [];
      const c: EventConsumer = { name: unique("c"), deliver: async (batch) => void handed.push(...batch) };
      await deliverEvents(db(), [a.consumer, b.consumer, c]);
      await deliverEvents(db(), [a.consumer, b.consumer, c]);
      for (const { seen } of [a, b]) {
        expect(seen).toEqual([...seen].sort((x, y) => x - y));
        for (const id of ids) expect(countsOf(seen).get(id), `event ${id}`).toBe(1);
      }
      const mine = handed.filter((e) => ids.includes(e.id));
      expect(mine.map((e) => [e.type, e.entityType, e.actorName, e.actorId])).toEqual(
        ids.map(() => ["test.happened", "test", "alice", alice.userId]),
      );
    });

    it("gives a batch back to a consumer that throws, after a backoff, without holding up the other", async () => {
      const ids = await write(3);
      let down = true;
      const flaky = recorder(unique("flaky"), () => down);
      const steady = recorder();
      const t0 = Date.now();
      const at = (ms: number) => ({ now: () => t0 + ms, backoffMs: () => 1000 });

      await deliverEvents(db(), [flaky.consumer, steady.consumer], at(0));
      for (const id of ids) expect(steady.seen).toContain(id);
      expect(flaky.seen).toEqual([]);
      const [cursor] = await eventCursorsOf(db(), [flaky.consumer.name]);
      expect(cursor).toMatchObject({ deliveredThrough: 0, failures: 1, lastError: `${flaky.consumer.name} is down` });

      // Within the backoff it is not tried again, even when it would succeed; afterwards it is.
      down = false;
      await deliverEvents(db(), [flaky.consumer, steady.consumer], at(500));
      expect(flaky.seen).toEqual([]);
      await deliverEvents(db(), [flaky.consumer, steady.consumer], at(1500));
      for (const id of ids) {
        expect(countsOf(flaky.seen).get(id), `event ${id} to the flaky consumer`).toBe(1);
        expect(countsOf(steady.seen).get(id), `event ${id} to the steady consumer`).toBe(1);
      }
      const [after] = await eventCursorsOf(db(), [flaky.consumer.name]);
      expect(after).toMatchObject({ failures: 0, retryAt: null, lastError: null });
    });

    it("a consumer past its deadline counts as failed, and the batch comes back", async () => {
      const ids = await write(1);
      let hang = true;
      const seen: number[] = [];
      const slow: EventConsumer = {
        name: unique("slow"),
        async deliver(batch, { signal }) {
          if (hang) await new Promise((resolve) => signal.addEventListener("abort", resolve));
          else seen.push(...batch.map((e) => e.id));
        },
      };
      const t0 = Date.now();
      await deliverEvents(db(), [slow], { deadlineMs: 100, now: () => t0, backoffMs: () => 0 });
      expect((await eventCursorsOf(db(), [slow.name]))[0]?.failures).toBe(1);
      hang = false;
      await deliverEvents(db(), [slow], { now: () => t0 + 1 });
      expect(countsOf(seen).get(ids[0] ?? -1)).toBe(1);
    });

    describe("two replicas", () => {
      let second: DbHandle | undefined;
      beforeAll(async () => {
        // Postgres: a second pool, as another replica has; PGlite has one process, so the same handle.
        if (kind === "postgres" && db.ready()) second = await openDatabase({ databaseUrl: TEST_DATABASE_URL, dataDir: "" });
      });
      afterAll(async () => {
        await second?.close();
      });
      const other = (): Db => second?.db ?? db();

      it("never hand the same event to a consumer twice when they deliver at the same time", async () => {
        const ids = await write(40);
        const seen: number[] = [];
        // Slow batches, so the two passes overlap; one consumer object per replica, the same name.
        const name = unique("shared");
        const a = slowConsumer(name, 30, seen);
        const b = slowConsumer(name, 30, seen);
        for (let round = 0; round < 8; round++) {
          await Promise.all([
            deliverEvents(db(), [a], { batchSize: 7, maxBatches: 2 }),
            deliverEvents(other(), [b], { batchSize: 7, maxBatches: 2 }),
          ]);
        }
        await deliverEvents(db(), [a]);
        const counts = countsOf(seen);
        expect(
          [...counts.values()].every((n) => n === 1),
          "no event twice",
        ).toBe(true);
        for (const id of ids) expect(counts.get(id), `event ${id}`).toBe(1);
      });

      it("two loops running at once (a leader and one that has not noticed it lost the lock) deliver each event once", async () => {
        const ids = await write(30);
        const seen: number[] = [];
        const name = unique("two-loops");
        const consumer = () => slowConsumer(name, 10, seen);
        const loop = { tickMs: 20, retentionDays: 7, batchSize: 4, maxBatches: 1 };
        const stops = [
          startEventsLoop({ ...loop, consumers: [consumer()], db: async () => db() }),
          startEventsLoop({ ...loop, consumers: [consumer()], db: async () => other() }),
        ];
        try {
          await until(() => ids.every((id) => seen.includes(id)), "both loops together deliver everything");
        } finally {
          for (const stop of stops) stop();
        }
        const counts = countsOf(seen);
        expect(
          [...counts.values()].every((n) => n === 1),
          "no event twice",
        ).toBe(true);
      });
    });

    it("a new loop after a restart delivers what was written before it, and only what its predecessor had not", async () => {
      const name = unique("restarted");
      // The first process is gone once stopped: a pass still in flight then fails and commits nothing.
      let firstGone = false;
      const first = recorder(name, () => firstGone);
      const before = await write(3);
      const loop = { tickMs: 50, retentionDays: 7, backoffMs: () => 0, db: async () => db() };
      const stop1 = startEventsLoop({ ...loop, consumers: [first.consumer] });
      await until(() => before.every((id) => first.seen.includes(id)), "the first loop delivers");
      stop1();
      firstGone = true;

      const whileDown = await write(2);
      const second = recorder(name);
      const stop2 = startEventsLoop({ ...loop, consumers: [second.consumer] });
      try {
        await until(() => whileDown.every((id) => second.seen.includes(id)), "the second loop delivers");
      } finally {
        stop2();
      }
      for (const id of before) expect(second.seen).not.toContain(id);
      const all = countsOf([...first.seen, ...second.seen]);
      for (const id of [...before, ...whileDown]) expect(all.get(id), `event ${id}`).toBe(1);
    });

    it("prunes events every consumer has had once they are old, and keeps the rest", async () => {
      const done = recorder();
      const lagging = recorder(unique("lagging"), () => true);
      const ids = await write(2);
      await deliverEvents(db(), [done.consumer, lagging.consumer], { backoffMs: () => 0 });
      const left = async () => (await db().query.events.findMany()).map((e) => e.id).filter((id) => ids.includes(id));
      const day = 86_400_000;
      // Not old enough: kept. Old, but the lagging consumer has not had them: kept.
      await pruneDeliveredEvents(db(), [done.consumer, lagging.consumer], 7, Date.now() + 6 * day);
      await pruneDeliveredEvents(db(), [done.consumer, lagging.consumer], 7, Date.now() + 8 * day);
      expect(await left()).toEqual(ids);
      // Everyone has had them (the lagging consumer is gone): pruned.
      await pruneDeliveredEvents(db(), [done.consumer], 7, Date.now() + 8 * day);
      expect(await left()).toEqual([]);
    });

    it("drops an event no consumer could take for four times the retention", async () => {
      const lagging = recorder(unique("stuck"), () => true);
      const ids = await write(1);
      await deliverEvents(db(), [lagging.consumer], { backoffMs: () => 0 });
      const day = 86_400_000;
      await pruneDeliveredEvents(db(), [lagging.consumer], 1, Date.now() + 3 * day);
      expect((await db().query.events.findMany()).some((e) => e.id === ids[0])).toBe(true);
      await pruneDeliveredEvents(db(), [lagging.consumer], 1, Date.now() + 5 * day);
      expect((await db().query.events.findMany()).some((e) => e.id === ids[0])).toBe(false);
    });
  });
}
