/** The migration that adds experiment_keys fills it from the runs already logged, deleted runs' keys included. */
import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { MIGRATIONS, migrationsBefore, openEmpty, rowsOf } from "./migration-testing";
import { DB_KINDS, postgresAvailable } from "./testing";

const run = (n: number) => String(n).repeat(32).slice(0, 32);

for (const kind of DB_KINDS) {
  describe(kind, () => {
    it("backfills each experiment's metric, param and tag keys from its runs", async (ctx) => {
      if (kind === "postgres" && !(await postgresAvailable())) ctx.skip();
      const h = await openEmpty(kind);
      try {
        await h.migrate(migrationsBefore("_experiment_keys"));
        const x = (q: ReturnType<typeof sql>) => h.db.execute(q);
        await x(sql`insert into experiments (id, name, artifact_location, creation_time, last_update_time) values
          (1, 'one', 'x', 1, 1), (2, 'two', 'x', 1, 1), (3, 'empty', 'x', 1, 1)`);
        await x(sql`insert into runs (run_uuid, experiment_id, name, user_id, status, start_time, artifact_uri, lifecycle_stage) values
          (${run(1)}, 1, 'r1', 'a', 'RUNNING', 1, 'x', 'active'),
          (${run(2)}, 1, 'r2', 'a', 'RUNNING', 1, 'x', 'deleted'),
          (${run(3)}, 2, 'r3', 'a', 'RUNNING', 1, 'x', 'active')`);
        await x(sql`insert into latest_metrics (run_uuid, key, value, timestamp, step) values
          (${run(1)}, 'loss', 1, 1, 0), (${run(2)}, 'loss', 1, 1, 0), (${run(2)}, 'acc', 1, 1, 0), (${run(3)}, 'f1', 1, 1, 0)`);
        await x(sql`insert into run_params (run_uuid, key, value) values (${run(1)}, 'lr', '0.1'), (${run(3)}, 'lr', '0.2')`);
        await x(sql`insert into run_tags (run_uuid, key, value) values (${run(1)}, 'team', 'x'), (${run(3)}, 'mlflow.runName', 'r3')`);

        await h.migrate(MIGRATIONS);

        const rows = rowsOf<{ experiment_id: string | number; kind: string; key: string }>(
          await x(sql`select experiment_id, kind, key from experiment_keys order by experiment_id, kind, key`),
        ).map((r) => [Number(r.experiment_id), r.kind, r.key]);
        expect(rows).toEqual([
          [1, "metric", "acc"],
          [1, "metric", "loss"],
          [1, "param", "lr"],
          [1, "tag", "team"],
          [2, "metric", "f1"],
          [2, "param", "lr"],
          [2, "tag", "mlflow.runName"],
        ]);
      } finally {
        await h.close();
      }
    }, 120_000);
  });
}
