/**
 * The projects migration on a database that already has experiments, registered models, jobs and people:
 * nothing moves (a null project_id is the owner's personal space, docs/projects.md), people have no SSO groups
 * until they sign in again, and deleting a project later hands its resources back to their owners' spaces.
 */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrationsBefore, openEmpty, rowsOf } from "./migration-testing";
import { DB_KINDS, postgresAvailable } from "./testing";

const ALICE = "a".repeat(32);

for (const kind of DB_KINDS) {
  describe(kind, () => {
    it("leaves every existing resource in its owner's personal space, and a deleted project's resources too", async (ctx) => {
      if (kind === "postgres" && !(await postgresAvailable())) ctx.skip();
      const h = await openEmpty(kind);
      try {
        await h.migrate(migrationsBefore("_projects"));
        const x = (q: ReturnType<typeof sql>) => h.db.execute(q);
        await x(
          sql`insert into roles (name, max_cpu, max_mem_gb, max_servers, max_total_cpu, max_total_mem_gb) values ('user', 2, 4, 2, 2, 4)`,
        );
        await x(sql`insert into users (name, id, home_volume, role) values ('alice', ${ALICE}, 'atrium-home-alice', 'user')`);
        await x(sql`insert into experiments (name, artifact_location, creation_time, last_update_time, owner, owner_id)
          values ('exp-a', 'x', 1, 1, 'alice', ${ALICE})`);
        await x(
          sql`insert into registered_models (name, creation_time, last_updated_time, user_id, owner_id) values ('model-a', 1, 1, 'alice', ${ALICE})`,
        );
        await x(sql`insert into jobs (id, owner_name, owner_id, name, path, environment_id, cpu, mem_gb, timeout_s, trigger)
          values ('job_a', 'alice', ${ALICE}, 'nightly', 'a.py', 'python', 1, 1, 60, 'manual')`);

        await h.migrate(MIGRATIONS);

        const spaces = async () =>
          rowsOf<{ k: string; project_id: string | null }>(
            await x(sql`select name as k, project_id from experiments where name = 'exp-a'
              union all select name, project_id from registered_models
              union all select id, project_id from jobs order by 1`),
          ).map((r) => [r.k, r.project_id]);
        expect(await spaces()).toEqual([
          ["exp-a", null],
          ["job_a", null],
          ["model-a", null],
        ]);
        expect(rowsOf<{ g: string[] | string }>(await x(sql`select sso_groups as g from users`)).map((r) => r.g)).toEqual([[]]);

        // Moved into a project, then the project deleted: back in alice's personal space, nothing lost.
        await x(sql`insert into projects (id, name, created_by) values ('p1', 'vision', ${ALICE})`);
        await x(sql`insert into project_members (project_id, user_id, role) values ('p1', ${ALICE}, 'owner')`);
        await x(sql`update experiments set project_id = 'p1' where name = 'exp-a'`);
        await x(sql`update registered_models set project_id = 'p1'`);
        await x(sql`update jobs set project_id = 'p1'`);
        expect((await spaces()).map(([, p]) => p)).toEqual(["p1", "p1", "p1"]);
        await x(sql`delete from projects where id = 'p1'`);
        expect(await spaces()).toEqual([
          ["exp-a", null],
          ["job_a", null],
          ["model-a", null],
        ]);
        expect(rowsOf(await x(sql`select * from project_members`))).toEqual([]);
        // A member is a person or a group, never both or neither, with one of the four roles.
        await x(sql`insert into projects (id, name) values ('p2', 'nlp')`);
        await expect(x(sql`insert into project_members (project_id, role) values ('p2', 'owner')`)).rejects.toThrow();
        await expect(
          x(sql`insert into project_members (project_id, user_id, group_name, role) values ('p2', ${ALICE}, 'g', 'owner')`),
        ).rejects.toThrow();
        await expect(x(sql`insert into project_members (project_id, group_name, role) values ('p2', 'g', 'superuser')`)).rejects.toThrow();
      } finally {
        await h.close();
      }
      // Every migration from an empty database: slow on a loaded machine.
    }, 120_000);
  });
}
