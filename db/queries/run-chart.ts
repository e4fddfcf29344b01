/** The few values the experiment page's charts draw: chosen latest metrics and params of chosen runs, nothing else. */
import { and, inArray } from "drizzle-orm";
import type { Db } from "../client";
import { latestMetrics, runParams, runs } from "../schema";

export interface ChartRows {
  names: { runUuid: string; name: string }[];
  metrics: { runUuid: string; key: string; value: number; isNan: boolean }[];
  params: { runUuid: string; key: string; value: string }[];
}

export async function chartRowsOf(db: Db, ids: string[], metricKeys: string[], paramKeys: string[]): Promise<ChartRows> {
  if (ids.length === 0) return { names: [], metrics: [], params: [] };
  const [names, metrics, params] = await Promise.all([
    db.select({ runUuid: runs.runUuid, name: runs.name }).from(runs).where(inArray(runs.runUuid, ids)),
    metricKeys.length === 0
      ? []
      : db
          .select({ runUuid: latestMetrics.runUuid, key: latestMetrics.key, value: latestMetrics.value, isNan: latestMetrics.isNan })
          .from(latestMetrics)
          .where(and(inArray(latestMetrics.runUuid, ids), inArray(latestMetrics.key, metricKeys))),
    paramKeys.length === 0
      ? []
      : db
          .select({ runUuid: runParams.runUuid, key: runParams.key, value: runParams.value })
          .from(runParams)
          .where(and(inArray(runParams.runUuid, ids), inArray(runParams.key, paramKeys))),
  ]);
  return { names, metrics, params };
}
