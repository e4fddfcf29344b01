/** Read-only aggregates for the experiment pages: run counts, last activity and the column keys of an experiment. */
import { and, asc, count, desc, eq, max, sql } from "drizzle-orm";
import type { Db } from "../client";
import type { ReadFilter } from "./readable";
import { experimentKeys, experiments, runs, type ExperimentKeyKind } from "../schema";

export interface ExperimentOverviewRow {
  id: number;
  name: string;
  owner: string | null;
  ownerId: string | null;
  projectId: string | null;
  creationTime: number;
  lastUpdateTime: number;
  runCount: number;
  /** The latest start or end of any of its active runs; null when it has none. */
  lastRunActivity: number | null;
}

/** Active experiments the viewer may read, with how many active runs each has and when one last started or ended. */
export async function experimentOverviewRows(db: Db, readable: ReadFilter): Promise<ExperimentOverviewRow[]> {
  const perRun = db
    .select({
      experimentId: runs.experimentId,
      runCount: count().as("run_count"),
      lastRunActivity: max(sql<number>`greatest(${runs.startTime}, coalesce(${runs.endTime}, 0))`).as("last_run_activity"),
    })
    .from(runs)
    .where(eq(runs.lifecycleStage, "active"))
    .groupBy(runs.experimentId)
    .as("per_run");
  const rows = await db
    .select({
      id: experiments.id,
      name: experiments.name,
      owner: experiments.owner,
      ownerId: experiments.ownerId,
      projectId: experiments.projectId,
      creationTime: experiments.creationTime,
      lastUpdateTime: experiments.lastUpdateTime,
      runCount: perRun.runCount,
      lastRunActivity: perRun.lastRunActivity,
    })
    .from(experiments)
    .leftJoin(perRun, eq(perRun.experimentId, experiments.id))
    .where(
      and(
        eq(experiments.lifecycleStage, "active"),
        readable({ id: experiments.ownerId, project: experiments.projectId, granted: { experiment: experiments.id } }),
      ),
    )
    .orderBy(desc(experiments.creationTime), asc(experiments.id));
  // Aggregates come back as strings from postgres.js (bigint) and numbers from PGlite: normalise here.
  return rows.map((r) => ({
    ...r,
    runCount: r.runCount === null ? 0 : Number(r.runCount),
    lastRunActivity: r.lastRunActivity === null ? null : Number(r.lastRunActivity),
  }));
}

export interface ColumnKeys {
  metrics: string[];
  params: string[];
  tags: string[];
}

/**
 * The metric, param and tag keys ever logged to the experiment's runs, sorted; at most `limit` of each. Read from
 * `experiment_keys` (kept by the writes, db/queries/experiment-keys.ts): a few index rows, however many runs there are.
 * A deleted run's keys stay (its columns show blanks for the active runs).
 */
export async function experimentColumnKeys(db: Db, experimentId: number, limit = 500): Promise<ColumnKeys> {
  const keysOf = async (kind: ExperimentKeyKind) => {
    const rows = await db
      .select({ key: experimentKeys.key })
      .from(experimentKeys)
      .where(and(eq(experimentKeys.experimentId, experimentId), eq(experimentKeys.kind, kind)))
      .orderBy(asc(experimentKeys.key))
      .limit(limit);
    return rows.map((r) => r.key);
  };
  const [metrics, params, tags] = await Promise.all([keysOf("metric"), keysOf("param"), keysOf("tag")]);
  return { metrics, params, tags };
}
