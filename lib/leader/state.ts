import { runtime } from "@/lib/runtime/context";

export interface ReplicaState {
  /** Which portal process this is, as operators see it in logs and /api/health: host:pid. */
  id: string;
  /** Whether this process runs the background loops (reconcile, cull, usage sampling) right now. */
  leader: boolean;
}

/** What the election in server.ts decided, as /api/health reports it (one per process, lib/runtime/context.ts). */
export function replicaState(): ReplicaState {
  const s = runtime.replica;
  return { id: s.id, leader: s.leader };
}

export function setLeader(leader: boolean): void {
  runtime.replica.leader = leader;
}
