/**
 * What the experiment pages show beyond the MLflow API: run counts and last activity per experiment, and
 * the metric/param/tag keys a runs table can offer as columns. Read-only; every signed-in person may read.
 */
import type { Db } from "@/db/client";
import { can, experimentResource, readableBy, runResource, type Caller } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";
import { experimentColumnKeys, experimentOverviewRows, type ColumnKeys } from "@/db/queries/experiment-overview";
import { ensureDefaultExperiment, experimentTagRows, findExperiment, findRun, runDataOf } from "@/db/queries/tracking";
import { experimentToWire, runToWire, type WireExperiment, type WireRun } from "../entities";

export type { ColumnKeys };

/** Experiment ids are decimal integers here; anything else names no experiment (a page shows 404, not an error). */
function experimentNumber(id: string): number | null {
  return /^\d{1,15}$/.test(id) ? Number(id) : null;
}

export interface ExperimentOverview {
  experimentId: string;
  name: string;
  owner: string | null;
  /** Whether the viewer may rename it (lib/auth/access.ts). */
  canEdit: boolean;
  runCount: number;
  creationTime: number;
  /** The later of the experiment's own last change and its newest run start or end. */
  lastActivity: number;
}

export async function listExperimentOverview(db: Db, viewer: Principal): Promise<ExperimentOverview[]> {
  // The Default experiment exists for every client from its first request; the list shows it from the start too.
  await ensureDefaultExperiment(db);
  const rows = await experimentOverviewRows(db, readableBy(viewer, "experiment"));
  return rows.map((r) => ({
    experimentId: String(r.id),
    name: r.name,
    owner: r.owner,
    canEdit: can(viewer, "write", experimentResource(r)),
    runCount: r.runCount,
    creationTime: r.creationTime,
    lastActivity: Math.max(r.lastUpdateTime, r.lastRunActivity ?? 0),
  }));
}

/** The experiment in MLflow's shape, or null when the id is malformed, unknown, or one the viewer may not read. */
export async function findExperimentView(db: Db, id: string, viewer: Caller): Promise<WireExperiment | null> {
  const n = experimentNumber(id);
  const row = n === null ? undefined : await findExperiment(db, n);
  if (!row || !can(viewer, "read", experimentResource(row))) return null;
  return experimentToWire(row, await experimentTagRows.get(db, { experimentId: row.id }));
}

export async function columnKeysOf(db: Db, experimentId: string): Promise<ColumnKeys> {
  const n = experimentNumber(experimentId);
  if (n === null) return { metrics: [], params: [], tags: [] };
  return experimentColumnKeys(db, n);
}

/** A run in MLflow's shape (info + data), or null when the id is unknown. */
/** The run in MLflow's shape, or null when the id is malformed, unknown, or one the viewer may not read. */
export async function findRunView(db: Db, runId: string, viewer: Caller): Promise<WireRun | null> {
  if (!/^[a-zA-Z0-9][\w-]{0,255}$/.test(runId)) return null;
  const row = await findRun(db, runId);
  if (!row || !can(viewer, "read", runResource(row, await findExperiment(db, row.experimentId)))) return null;
  const data = await runDataOf(db, [row.runUuid]);
  return runToWire(row, data.get(row.runUuid));
}

/** What the viewer may do to a run on its page: change it (EDIT) and delete or restore it (MANAGE, as MLflow's DeleteRun). */
export async function runAccessOf(db: Db, viewer: Principal, runId: string): Promise<{ canEdit: boolean; canDelete: boolean }> {
  const run = await findRun(db, runId);
  if (!run) return { canEdit: false, canDelete: false };
  const resource = runResource(run, await findExperiment(db, run.experimentId));
  return { canEdit: can(viewer, "write", resource), canDelete: can(viewer, "manage", resource) };
}
