/**
 * The experiment page's charts across runs: the runs the runs table's filter selects (the same query,
 * `matchingRunIds`), at most MAX_CHART_RUNS of them in the table's order, with only the metrics and params
 * the charts draw. Reading values for chosen keys of chosen runs keeps it quick in a large experiment.
 */
import type { Db } from "@/db/client";
import { chartRowsOf } from "@/db/queries/run-chart";
import type { Principal } from "@/lib/auth/principal";
import { badRequest } from "@/lib/http/api-error";
import { FilterSyntaxError } from "../search";
import { asPortal } from "../http/portal-call";
import { matchingRunIds } from "../runs/operations";

/** The most runs one chart draws; past it the page says it shows the first ones. */
const MAX_CHART_RUNS = 500;

export interface ChartRun {
  runId: string;
  name: string;
  /** Latest values; a NaN metric is left out, as a chart cannot place it. */
  metrics: Record<string, number>;
  params: Record<string, string>;
}

export interface ChartData {
  runs: ChartRun[];
  /** More runs match than were drawn. */
  capped: boolean;
  limit: number;
}

export async function chartRuns(
  db: Db,
  principal: Principal,
  experimentId: number,
  ask: { filter: string; orderBy: string[]; metrics: string[]; params: string[] },
  limit = MAX_CHART_RUNS,
): Promise<ChartData> {
  let ids: string[];
  try {
    ids = await asPortal(() =>
      matchingRunIds(db, principal, {
        experimentIds: [experimentId],
        filter: ask.filter,
        orderBy: ask.orderBy,
        lifecycle: "active",
        limit: limit + 1,
        offset: 0,
      }),
    );
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw badRequest("invalid_filter", err.message);
    throw err;
  }
  const capped = ids.length > limit;
  const shown = ids.slice(0, limit);
  const rows = await chartRowsOf(db, shown, ask.metrics, ask.params);
  const byId = new Map<string, ChartRun>(shown.map((id) => [id, { runId: id, name: id, metrics: {}, params: {} }]));
  for (const r of rows.names) {
    const run = byId.get(r.runUuid);
    if (run) run.name = r.name;
  }
  for (const m of rows.metrics) {
    const run = byId.get(m.runUuid);
    if (run && !m.isNan) run.metrics[m.key] = m.value;
  }
  for (const p of rows.params) {
    const run = byId.get(p.runUuid);
    if (run) run.params[p.key] = p.value;
  }
  return { runs: [...byId.values()], capped, limit };
}
