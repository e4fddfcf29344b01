/**
 * The migration that gives tracking rows an owner id and keys storage usage by user id, applied to a
 * database that already has them: rows of a current person are hers; rows of a name with no person
 * (the bootstrap token's, a deleted person's) are nobody's; a name deleted and created again gets only
 * what was made since her row was created, and starts at 0 storage.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrationsBefore, openEmpty, rowsOf } from "./migration-testing";
import { DB_KINDS, postgresAvailable } from "./testing";

const ALICE = "a".repeat(32);
const CAROL_OLD = "c".repeat(32);
const CAROL = "d".repeat(32);
/** Carol was deleted and created again at this time; things before it were the deleted carol's. */
const CAROL_CREATED = Date.parse("2026-06-01T00:00:00Z");
const BEFORE = CAROL_CREATED - 86_400_000;
const AFTER = CAROL_CREATED + 86_400_000;
const run = (n: number) => String(n).repeat(32).slice(0, 32);

for (const kind of DB_KINDS) {
  describe(kind, () => {
    it("backfills owner ids by name, never for a re-created name's older rows, and moves storage counts to ids", async (ctx) => {
      if (kind === "postgres" && !(await postgresAvailable())) ctx.skip();
      const h = await openEmpty(kind);
      try {
        await h.migrate(migrationsBefore("_owner_ids"));
        const x = (q: ReturnType<typeof sql>) => h.db.execute(q);
        await x(
          sql`insert into roles (name, max_cpu, max_mem_gb, max_servers, max_total_cpu, max_total_mem_gb) values ('user', 2, 4, 1, 2, 4)`,
        );
        await x(sql`insert into users (name, id, home_volume, role, created_at) values
          ('alice', ${ALICE}, 'atrium-home-alice', 'user', now()),
          ('carol', ${CAROL}, ${`atrium-home-${CAROL}`}, 'user', ${new Date(CAROL_CREATED).toISOString()})`);
        await x(
          sql`insert into deleted_users (id, name, home_volume, volume_kept) values (${CAROL_OLD}, 'carol', 'atrium-home-carol', true)`,
        );
        await x(sql`insert into experiments (id, name, artifact_location, creation_time, last_update_time, owner) values
          (1, 'by-alice', 'mlflow-artifacts:/1', ${BEFORE}, ${BEFORE}, 'alice'),
          (2, 'by-ghost', 'mlflow-artifacts:/2', ${BEFORE}, ${BEFORE}, 'ghost'),
          (3, 'by-old-carol', 'mlflow-artifacts:/3', ${BEFORE}, ${BEFORE}, 'carol'),
          (4, 'by-carol', 'mlflow-artifacts:/4', ${AFTER}, ${AFTER}, 'carol'),
          (5, 'Default', 'mlflow-artifacts:/5', ${BEFORE}, ${BEFORE}, null)`);
        await x(sql`insert into runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri) values
          (${run(1)}, 1, 'r1', 'alice', 'RUNNING', ${BEFORE}, 'x'),
          (${run(2)}, 1, 'r2', 'bootstrap', 'RUNNING', ${BEFORE}, 'x'),
          (${run(3)}, 3, 'r3', 'carol', 'RUNNING', ${BEFORE}, 'x'),
          (${run(4)}, 4, 'r4', 'carol', 'RUNNING', ${AFTER}, 'x')`);
        await x(sql`insert into registered_models (name, creation_time, last_updated_time, user_id) values
          ('m-alice', ${BEFORE}, ${BEFORE}, 'alice'), ('m-old-carol', ${BEFORE}, ${BEFORE}, 'carol'), ('m-carol', ${AFTER}, ${AFTER}, 'carol')`);
        await x(sql`insert into logged_models (model_id, experiment_id, name, status, creator, artifact_location, creation_time, last_updated_time) values
          ('m-1', 1, 'lm', 'LOGGED_MODEL_READY', 'alice', 'x', ${BEFORE}, ${BEFORE}),
          ('m-3', 3, 'lm', 'LOGGED_MODEL_READY', 'carol', 'x', ${BEFORE}, ${BEFORE})`);
        await x(sql`insert into storage_usage (user_name, bytes) values ('alice', 100), ('carol', 50), ('bootstrap', 5), ('ghost', 7)`);

        await h.migrate(MIGRATIONS);

        const owners = async (q: ReturnType<typeof sql>) =>
          rowsOf<{ k: string; owner_id: string | null }>(await x(q)).map((r) => [String(r.k), r.owner_id]);
        expect(await owners(sql`select id as k, owner_id from experiments order by id`)).toEqual([
          ["1", ALICE],
          ["2", null],
          ["3", null],
          ["4", CAROL],
          ["5", null],
        ]);
        expect(await owners(sql`select name as k, owner_id from runs order by name`)).toEqual([
          ["r1", ALICE],
          ["r2", null],
          ["r3", null],
          ["r4", CAROL],
        ]);
        expect(await owners(sql`select name as k, owner_id from registered_models order by name`)).toEqual([
          ["m-alice", ALICE],
          ["m-carol", CAROL],
          ["m-old-carol", null],
        ]);
        expect(await owners(sql`select model_id as k, owner_id from logged_models order by model_id`)).toEqual([
          ["m-1", ALICE],
          ["m-3", null],
        ]);
        // The id this migration put in storage_usage.user_id is owner_id since 0027_owner_ids_everywhere.
        const usage = rowsOf<{ owner_id: string; bytes: string | number }>(await x(sql`select owner_id, bytes from storage_usage`));
        expect(usage.map((r) => [r.owner_id, Number(r.bytes)])).toEqual([[ALICE, 100]]);
        // The new key is the primary key: a second row for the same person is refused.
        await expect(x(sql`insert into storage_usage (owner_id, bytes) values (${ALICE}, 1)`)).rejects.toThrow();
      } finally {
        await h.close();
      }
    });
  });
}
