/**
 * The migration that finishes one owner identity, applied to a database that has the old columns: sessions
 * and artifact storage keep their ids under `owner_id`; workspace codes and cookie sessions, keyed by names,
 * get the server owner's and the principal's ids, and a deleted owner's are dropped; per-person usage samples
 * move from names to ids, and those a name cannot attribute (taken before today's holder existed) are dropped.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrationsBefore, openEmpty, rowsOf } from "./migration-testing";
import { DB_KINDS, postgresAvailable } from "./testing";

const ALICE = "a".repeat(32);
const ROOT = "r".repeat(32);

for (const kind of DB_KINDS) {
  describe(kind, () => {
    it("re-keys sessions, storage, workspace grants and usage samples by the person's id", async (ctx) => {
      if (kind === "postgres" && !(await postgresAvailable())) ctx.skip();
      const h = await openEmpty(kind);
      try {
        await h.migrate(migrationsBefore("_owner_ids_everywhere"));
        const x = (q: ReturnType<typeof sql>) => h.db.execute(q);
        await x(
          sql`insert into roles (name, max_cpu, max_mem_gb, max_servers, max_total_cpu, max_total_mem_gb) values ('user', 2, 4, 2, 2, 4)`,
        );
        await x(sql`insert into users (name, id, home_volume, role, created_at) values
          ('alice', ${ALICE}, 'atrium-home-alice', 'user', '2026-05-01T10:00:00Z'),
          ('root', ${ROOT}, 'atrium-home-root', 'user', '2026-01-01T00:00:00Z')`);
        await x(sql`insert into sessions (id_hash, user_id, expires_at) values ('s1', ${ALICE}, now() + interval '1 day')`);
        await x(sql`insert into storage_usage (user_id, bytes) values (${ALICE}, 100)`);
        // A code and a cookie for alice's server, one of root's for the server of a deleted "gone".
        await x(sql`insert into workspace_codes (hash, user_name, server_name, principal_name, next, expires_at) values
          ('c1', 'alice', 'default', 'root', '/user/alice/default/', now() + interval '1 minute'),
          ('c2', 'gone', 'default', 'root', '/user/gone/default/', now() + interval '1 minute')`);
        await x(sql`insert into workspace_sessions (hash, user_name, server_name, principal_name, expires_at) values
          ('w1', 'alice', 'default', 'alice', now() + interval '1 hour'),
          ('w2', 'gone', 'default', 'root', now() + interval '1 hour')`);
        // alice's sample; one named alice from before today's alice existed (someone else's); a deleted person's; a role row.
        await x(sql`insert into usage_samples (at, scope, subject, cpu_allocated, mem_gb_allocated, cpu_used, mem_gb_used, servers) values
          ('2026-05-01T10:05:00Z', 'user', 'alice', 1, 1, 0.5, 0.5, 1),
          ('2026-04-01T10:05:00Z', 'user', 'alice', 2, 2, 0, 0, 1),
          ('2026-05-01T10:05:00Z', 'user', 'gone', 3, 3, 0, 0, 1),
          ('2026-05-01T10:05:00Z', 'role', 'user', 4, 4, 0.5, 0.5, 2)`);

        await h.migrate(MIGRATIONS);

        const rows = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await x(q));
        expect(await rows(sql`select id_hash, owner_id from sessions`)).toEqual([{ id_hash: "s1", owner_id: ALICE }]);
        expect(
          (await rows<{ owner_id: string; bytes: unknown }>(sql`select owner_id, bytes from storage_usage`)).map((r) => [
            r.owner_id,
            Number(r.bytes),
          ]),
        ).toEqual([[ALICE, 100]]);
        expect(await rows(sql`select hash, owner_id, server_name, principal_id from workspace_codes`)).toEqual([
          { hash: "c1", owner_id: ALICE, server_name: "default", principal_id: ROOT },
        ]);
        expect(await rows(sql`select hash, owner_id, server_name, principal_id from workspace_sessions`)).toEqual([
          { hash: "w1", owner_id: ALICE, server_name: "default", principal_id: ALICE },
        ]);
        expect(await rows(sql`select scope, subject, cpu_allocated from usage_samples order by scope, subject`)).toEqual([
          { scope: "role", subject: "user", cpu_allocated: 4 },
          { scope: "user", subject: ALICE, cpu_allocated: 1 },
        ]);
        // The old columns are gone; the new ones are required and reference people; storage is keyed by owner.
        await expect(x(sql`select user_id from sessions`)).rejects.toThrow();
        await expect(x(sql`insert into sessions (id_hash, owner_id, expires_at) values ('s2', 'nobody', now())`)).rejects.toThrow();
        await expect(x(sql`insert into storage_usage (owner_id, bytes) values (${ALICE}, 1)`)).rejects.toThrow();
        // Deleting a person ends her sessions and every grant on her servers or issued to her.
        await x(sql`delete from users where id = ${ALICE}`);
        expect(await rows(sql`select hash from workspace_sessions`)).toEqual([]);
        expect(await rows(sql`select hash from workspace_codes`)).toEqual([]);
        expect(await rows(sql`select id_hash from sessions`)).toEqual([]);
      } finally {
        await h.close();
      }
      // Every migration from an empty database: slow on a loaded machine.
    }, 120_000);
  });
}
