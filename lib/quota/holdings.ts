/**
 * The one ledger of what a person holds now, across every kind of workload (docs/architecture.md, the
 * `quota` row): the start-time checks of servers and jobs, "my usage" and the usage sampler all read it, so
 * they cannot disagree about what counts. A running job execution holds CPU and memory but no server slot.
 */
import type { Db } from "@/db/client";
import { listHoldingRows, type HoldingRow } from "@/db/queries/holdings";

export type { HoldingRow as Holding } from "@/db/queries/holdings";

/** What pages show and quota refusals are worded from. */
export interface Usage {
  cpu: number;
  memGb: number;
  /** Active servers: what `maxServers` counts. */
  servers: number;
}

export interface Held extends Usage {
  /** Running job executions. */
  jobs: number;
}

export const nothingHeld = (): Held => ({ cpu: 0, memGb: 0, servers: 0, jobs: 0 });

/** Adds one workload to a sum, in place. */
function addHolding(into: Held, h: Pick<HoldingRow, "kind" | "cpu" | "memGb">): Held {
  into.cpu += h.cpu;
  into.memGb += h.memGb;
  if (h.kind === "server") into.servers += 1;
  else into.jobs += 1;
  return into;
}

/**
 * Every workload holding resources now, of everyone or of one owner (by id): what the usage sampler records,
 * and what admin Servers and "My usage" list beside the servers (job executions count as much).
 */
export function listHoldings(db: Db, ownerId?: string): Promise<HoldingRow[]> {
  return listHoldingRows(db, ownerId === undefined ? undefined : { ownerId });
}

/** What the person (by id) holds now; call it with her users row locked when the answer starts something. */
export async function heldBy(db: Db, ownerId: string): Promise<Held> {
  return (await listHoldingRows(db, { ownerId })).reduce(addHolding, nothingHeld());
}

/**
 * What was started in the project (by id) and holds now, whoever started it: what its allowance counts
 * (lib/projects/allowance.ts); call it with the project's row locked when the answer starts something.
 */
export async function heldIn(db: Db, projectId: string): Promise<Held> {
  return (await listHoldingRows(db, { projectId })).reduce(addHolding, nothingHeld());
}
