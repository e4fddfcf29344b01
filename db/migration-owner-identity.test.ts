/**
 * The migration that gives servers, jobs and API tokens their owner's id, applied to a database that
 * already has them: each row becomes its named person's, the column is then required and a foreign
 * key, and a later rename of the person moves the names but not the ownership.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrationsBefore, openEmpty, rowsOf } from "./migration-testing";
import { DB_KINDS, postgresAvailable } from "./testing";

const ALICE = "a".repeat(32);
const BOB = "b".repeat(32);

for (const kind of DB_KINDS) {
  describe(kind, () => {
    it("backfills owner_id of servers, jobs and tokens from their names, then requires it", async (ctx) => {
      if (kind === "postgres" && !(await postgresAvailable())) ctx.skip();
      const h = await openEmpty(kind);
      try {
        await h.migrate(migrationsBefore("_owner_identity"));
        const x = (q: ReturnType<typeof sql>) => h.db.execute(q);
        await x(
          sql`insert into roles (name, max_cpu, max_mem_gb, max_servers, max_total_cpu, max_total_mem_gb) values ('user', 2, 4, 2, 2, 4)`,
        );
        await x(sql`insert into users (name, id, home_volume, role) values
          ('alice', ${ALICE}, 'atrium-home-alice', 'user'), ('bob', ${BOB}, ${`atrium-home-${BOB}`}, 'user')`);
        await x(sql`insert into servers (user_name, name, environment_id, cpu, mem_gb, status) values
          ('alice', 'default', 'python', 1, 1, 'running'), ('bob', 'default', 'python', 1, 1, 'stopped'), ('bob', 'gpu', 'python', 1, 1, 'pending')`);
        await x(sql`insert into jobs (id, owner_name, name, path, environment_id, cpu, mem_gb, timeout_s, trigger) values
          ('job_a', 'alice', 'nightly', 'a.py', 'python', 1, 1, 60, 'manual'), ('job_b', 'bob', 'nightly', 'b.py', 'python', 1, 1, 60, 'manual')`);
        await x(sql`insert into api_tokens (id, user_name, hash, kind) values
          ('tok_a', 'alice', 'ha', 'personal'), ('tok_b', 'bob', 'hb', 'workspace')`);

        await h.migrate(MIGRATIONS);

        const owners = async (q: ReturnType<typeof sql>) =>
          rowsOf<{ k: string; owner_id: string }>(await x(q)).map((r) => [r.k, r.owner_id]);
        expect(await owners(sql`select user_name || '/' || name as k, owner_id from servers order by 1`)).toEqual([
          ["alice/default", ALICE],
          ["bob/default", BOB],
          ["bob/gpu", BOB],
        ]);
        expect(await owners(sql`select id as k, owner_id from jobs order by id`)).toEqual([
          ["job_a", ALICE],
          ["job_b", BOB],
        ]);
        expect(await owners(sql`select id as k, owner_id from api_tokens order by id`)).toEqual([
          ["tok_a", ALICE],
          ["tok_b", BOB],
        ]);
        // Required, and only a person's id.
        await expect(
          x(sql`insert into api_tokens (id, user_name, hash, kind) values ('tok_none', 'alice', 'hn', 'personal')`),
        ).rejects.toThrow();
        await expect(
          x(sql`insert into api_tokens (id, user_name, owner_id, hash, kind) values ('tok_x', 'alice', 'nobody', 'hx', 'personal')`),
        ).rejects.toThrow();
        // A rename moves the names (ON UPDATE CASCADE) and leaves every owner id as it was.
        await x(sql`update users set name = 'alicia' where id = ${ALICE}`);
        expect(await owners(sql`select user_name as k, owner_id from servers where owner_id = ${ALICE}`)).toEqual([["alicia", ALICE]]);
        expect(await owners(sql`select owner_name as k, owner_id from jobs where id = 'job_a'`)).toEqual([["alicia", ALICE]]);
      } finally {
        await h.close();
      }
      // Every migration from an empty database: slow on a loaded machine.
    }, 120_000);
  });
}
