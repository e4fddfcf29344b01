/** Read-only aggregates for the experiment pages: run counts, last activity and the column keys of an experiment. */
import { and, asc, count, desc, eq, max, sql } from "drizzle-orm";
import type { Db } from "../client";
import type { ReadFilter } from "./readable";
import { experiments, latestMetrics, runParams, runTags, runs } from "../schema";

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

/** Distinct metric, param and tag keys over an experiment's active runs, sorted; at most `limit` of each. */
export async function experimentColumnKeys(db: Db, experimentId: number, limit = 500): Promise<ColumnKeys> {
  const inExperiment = and(eq(runs.experimentId, experimentId), eq(runs.lifecycleStage, "active"));
  const keysOf = async (table: typeof latestMetrics | typeof runParams | typeof runTags) => {
    const rows = await db
      .selectDistinct({ key: table.key })
      .from(table)
      .innerJoin(runs, eq(runs.runUuid, table.runUuid))
      .where(inExperiment)
      .orderBy(asc(table.key))
      .limit(limit);
    return rows.map((r) => r.key);
  };
  const [metrics, params, tags] = await Promise.all([keysOf(latestMetrics), keysOf(runParams), keysOf(runTags)]);
  return { metrics, params, tags };
}
