import os from "node:os";

export interface ReplicaState {
  /** Which portal process this is, as operators see it in logs and /api/health: host:pid. */
  id: string;
  /** Whether this process runs the background loops (reconcile, cull, usage sampling) right now. */
  leader: boolean;
}

// server.ts (which runs the election) and Next's route bundles (/api/health) are separate module
// graphs in one process: the state lives on globalThis so health reports what the election decided.
const holder = globalThis as typeof globalThis & { __atriumReplica?: ReplicaState };

function state(): ReplicaState {
  holder.__atriumReplica ??= { id: `${os.hostname()}:${process.pid}`, leader: false };
  return holder.__atriumReplica;
}

export function replicaState(): ReplicaState {
  const s = state();
  return { id: s.id, leader: s.leader };
}

export function setLeader(leader: boolean): void {
  state().leader = leader;
}
