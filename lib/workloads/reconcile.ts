/**
 * One reconcile over every kind of workload (docs/architecture.md §7): the engine's list once, the
 * objects of deleted people removed whatever their kind, then each kind's rows against its objects
 * by that kind's own rule. A kind is added here as one entry of SETTLE (the type asks for it).
 */
import type { Db } from "@/db/client";
import { deletedUserIds, deletedUsersNamed } from "@/db/queries/deleted-users";
import { findUser } from "@/db/queries/users";
import { settleExecutions } from "@/lib/jobs/reconcile";
import { settleReplicas } from "@/lib/serving/reconcile";
import { nounOf, type ListedWorkload, type Spawner, type WorkloadKind } from "@/lib/spawner";
import { labelOf } from "@/lib/workspaces/names";
import { emptyReport, settleWorkspaces, type ReconcileReport } from "@/lib/workspaces/reconcile";
import { serverOf } from "@/lib/workspaces/workload";

type Settle = (db: Db, spawner: Spawner, listed: ListedWorkload[], report: ReconcileReport, now: number) => Promise<void>;

const SETTLE: Record<WorkloadKind, Settle> = {
  workspace: settleWorkspaces,
  job: settleExecutions,
  endpoint: settleReplicas,
};

/** How the report names a workload: a workspace as "alice/default", the rest as nounOf says. */
function nameOf(c: ListedWorkload): string {
  const server = serverOf(c);
  return server ? labelOf(server) : nounOf(c.ref);
}

/**
 * Removes the objects of deleted people and returns the rest. Only ids recorded in deleted_users
 * count: another portal sharing the engine (tests, a second deployment) labels its objects with
 * people this database never had, and those are left alone. Objects from before user ids carry no
 * id: they are removed when their user name was deleted and no one holds that name now.
 */
async function removeOrphans(db: Db, spawner: Spawner, listed: ListedWorkload[], report: ReconcileReport): Promise<ListedWorkload[]> {
  const ids = [...new Set(listed.flatMap((c) => (c.ownerId ? [c.ownerId] : [])))];
  const deleted = await deletedUserIds(db, ids);
  const unlabelled = [...new Set(listed.flatMap((c) => (!c.ownerId && c.ownerName ? [c.ownerName] : [])))];
  const goneNames = new Set<string>();
  for (const name of unlabelled) {
    if (!(await findUser(db, name)) && (await deletedUsersNamed(db, name)).length > 0) goneNames.add(name);
  }
  const kept: ListedWorkload[] = [];
  for (const c of listed) {
    if ((c.ownerId && deleted.has(c.ownerId)) || (!c.ownerId && goneNames.has(c.ownerName ?? ""))) {
      await spawner.remove(c.ref).catch((err: unknown) => console.warn(`[atrium] could not remove ${nameOf(c)} of a deleted user:`, err));
      report.orphaned.push(nameOf(c));
    } else kept.push(c);
  }
  return kept;
}

/** What the engine runs against what Postgres says, for every kind; null when the engine cannot be reached. */
export async function reconcileWorkloads(db: Db, spawner: Spawner, now = Date.now()): Promise<ReconcileReport | null> {
  if (!(await spawner.ping())) return null;
  const report = emptyReport();
  const listed = await removeOrphans(db, spawner, await spawner.list(), report);
  for (const [kind, settle] of Object.entries(SETTLE) as Array<[WorkloadKind, Settle]>) {
    await settle(
      db,
      spawner,
      listed.filter((c) => c.ref.kind === kind),
      report,
      now,
    );
  }
  return report;
}
