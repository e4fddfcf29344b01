/**
 * The migration that gives people ids and stored home volumes, applied to a database that already
 * has people: each gets a distinct random id and keeps the volume she has been using
 * (atrium-home-<name>), so no one loses files; people created afterwards get atrium-home-<id>.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrationsBefore, openEmpty as open, rowsOf } from "./migration-testing";
import { insertUser } from "./queries/users";
import { DB_KINDS, postgresAvailable } from "./testing";

for (const kind of DB_KINDS) {
  describe(kind, () => {
    it("gives existing people distinct ids and keeps their atrium-home-<name> volumes", async (ctx) => {
      if (kind === "postgres" && !(await postgresAvailable())) ctx.skip();
      const h = await open(kind);
      try {
        await h.migrate(migrationsBefore("_sessions_user_ids"));
        await h.db.execute(
          sql`insert into roles (name, max_cpu, max_mem_gb, max_servers, max_total_cpu, max_total_mem_gb) values ('user', 2, 4, 1, 2, 4)`,
        );
        await h.db.execute(sql`insert into users (name, role) values ('alice', 'user'), ('jane.doe', 'user')`);
        await h.migrate(MIGRATIONS);
        const list = rowsOf<{ name: string; id: string; home_volume: string }>(
          await h.db.execute(sql`select name, id, home_volume from users order by name`),
        );
        expect(list.map((r) => [r.name, r.home_volume])).toEqual([
          ["alice", "atrium-home-alice"],
          ["jane.doe", "atrium-home-jane.doe"],
        ]);
        for (const r of list) expect(r.id).toMatch(/^[0-9a-f]{32}$/);
        expect(list[0]?.id).not.toBe(list[1]?.id);
        const bob = await insertUser(h.db, { name: "bob", role: "user", roleSource: "admin" });
        expect(bob?.homeVolume).toBe(`atrium-home-${bob?.id}`);
      } finally {
        await h.close();
      }
    });
  });
}
