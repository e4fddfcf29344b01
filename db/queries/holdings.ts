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

/** The workloads holding resources now, of one owner (by id) or of everyone. */
export async function listHoldingRows(db: Db, ownerId?: string): Promise<HoldingRow[]> {
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
    .where(and(inArray(servers.status, ACTIVE_STATES), ownerId === undefined ? undefined : eq(servers.ownerId, ownerId)));
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
    .where(and(eq(jobExecutions.state, "running"), ownerId === undefined ? undefined : eq(jobs.ownerId, ownerId)));
  return serverRows.unionAll(executionRows);
}
