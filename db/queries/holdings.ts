/**
 * Every workload that holds CPU and memory against its owner now, as one union: active servers and
 * running job executions. Another kind of workload (a model endpoint's replicas) is one more branch of
 * the union, with the same columns; lib/quota/holdings.ts is the one reader.
 */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../client";
import { jobExecutions, jobs, servers } from "../schema";
import { ACTIVE_STATES } from "./servers";

export type WorkloadKind = "server" | "job";

export interface HoldingRow {
  kind: WorkloadKind;
  ownerId: string;
  /** The owner's name now (display data; the usage charts key on `ownerId`). */
  ownerName: string;
  /** The server's name, or the job's name. */
  name: string;
  /** The running execution's id, for a job (its workload is `job/<id>`); null for a server. */
  executionId: string | null;
  cpu: number;
  memGb: number;
  /** Whether it runs now (a server may be pending or stopping; an execution holds only while running). */
  running: boolean;
}

/** Whose holdings: one person's (by id), one project's (what was started in it), or everyone's. */
export type HoldingsOf = { ownerId: string } | { projectId: string } | undefined;

/** The workloads holding resources now, of one owner (by id), of one project, or of everyone. */
export async function listHoldingRows(db: Db, of?: HoldingsOf): Promise<HoldingRow[]> {
  const serverOf = of === undefined ? undefined : "ownerId" in of ? eq(servers.ownerId, of.ownerId) : eq(servers.projectId, of.projectId);
  const jobOf = of === undefined ? undefined : "ownerId" in of ? eq(jobs.ownerId, of.ownerId) : eq(jobs.projectId, of.projectId);
  const serverRows = db
    .select({
      kind: sql<WorkloadKind>`'server'`.as("kind"),
      ownerId: servers.ownerId,
      ownerName: servers.userName,
      name: servers.name,
      executionId: sql<string | null>`null::text`.as("execution_id"),
      cpu: servers.cpu,
      memGb: servers.memGb,
      running: sql<boolean>`${servers.status} = 'running'`.as("running"),
    })
    .from(servers)
    .where(and(inArray(servers.status, ACTIVE_STATES), serverOf));
  const executionRows = db
    .select({
      kind: sql<WorkloadKind>`'job'`.as("kind"),
      ownerId: jobs.ownerId,
      ownerName: jobs.ownerName,
      name: jobs.name,
      executionId: sql<string | null>`${jobExecutions.id}`.as("execution_id"),
      cpu: jobExecutions.cpu,
      memGb: jobExecutions.memGb,
      running: sql<boolean>`true`.as("running"),
    })
    .from(jobExecutions)
    .innerJoin(jobs, eq(jobs.id, jobExecutions.jobId))
    .where(and(eq(jobExecutions.state, "running"), jobOf));
  return serverRows.unionAll(executionRows);
}
