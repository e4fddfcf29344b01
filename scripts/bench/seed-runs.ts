/** The 100k-run search seed shared by bench:tracking and bench:search: rows written by SQL (generate_series), not the API. */
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";

/** The search both benchmarks time: a metric filter, a param filter, sorted by the metric, first page of 100. */
export const searchQuery = (experimentId: string) => ({
  experiment_ids: [experimentId],
  filter: "metrics.acc > 0.5 AND params.lr = '0.01'",
  order_by: ["metrics.acc DESC"],
  max_results: 100,
});

/** `runs` runs (3 latest metrics and 1 param each) in the experiment, owned by `ownerId` (null: nobody's). */
export async function seedRuns(db: Db, experimentId: string, runs: number, ownerId: string | null = null): Promise<number> {
  const t0 = performance.now();
  await db.execute(sql`
    INSERT INTO runs (run_uuid, experiment_id, name, user_id, owner_id, status, start_time, lifecycle_stage, artifact_uri)
    SELECT md5('bench-' || g), ${Number(experimentId)}, 'run-' || g, 'bench', ${ownerId}, 'FINISHED', 1700000000000 + g, 'active', 'mlflow-artifacts:/bench/' || g
    FROM generate_series(1, ${runs}) AS g`);
  await db.execute(sql`
    INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)
    SELECT md5('bench-' || g), k, random(), 1700000000000 + g, 100, false
    FROM generate_series(1, ${runs}) AS g, (VALUES ('acc'), ('loss'), ('f1')) AS keys(k)`);
  await db.execute(sql`
    INSERT INTO run_params (run_uuid, key, value)
    SELECT md5('bench-' || g), 'lr', (ARRAY['0.1', '0.01', '0.001'])[1 + g % 3] FROM generate_series(1, ${runs}) AS g`);
  // What the write paths record for the runs page's columns (db/queries/experiment-keys.ts).
  await db.execute(sql`
    INSERT INTO experiment_keys (experiment_id, kind, key)
    VALUES (${Number(experimentId)}, 'metric', 'acc'), (${Number(experimentId)}, 'metric', 'loss'), (${Number(experimentId)}, 'metric', 'f1'),
      (${Number(experimentId)}, 'param', 'lr')
    ON CONFLICT DO NOTHING`);
  await db.execute(sql`ANALYZE runs; ANALYZE latest_metrics; ANALYZE run_params`);
  return (performance.now() - t0) / 1000;
}
