import os from "node:os";
import { partKey, runtime } from "@/lib/runtime/context";

export interface ReplicaState {
  /** Which portal process this is, as operators see it in logs and /api/health: host:pid. */
  id: string;
  /** Whether this process runs the background loops (reconcile, cull, usage sampling) right now. */
  leader: boolean;
}

/** Written by the election in server.ts, read by /api/health (one per process, lib/runtime/context.ts). */
const REPLICA = partKey<ReplicaState>("replica state");
const replica = () => runtime.part(REPLICA, () => ({ id: `${os.hostname()}:${process.pid}`, leader: false }));

/** What the election decided, as /api/health reports it. */
export function replicaState(): ReplicaState {
  const s = replica();
  return { id: s.id, leader: s.leader };
}

export function setLeader(leader: boolean): void {
  replica().leader = leader;
}
