import { openLeaderLockSession } from "@/db/leader-lock";
import { getConfig } from "@/lib/config";
import { startLeaderElection, type LeaderElection } from "./election";
import { replicaState, setLeader } from "./state";

/**
 * Runs `lead` (the background loops) on one portal replica only. On Postgres the replicas elect a
 * leader with an advisory lock (see election.ts); the embedded PGlite allows one process per data
 * directory, so that process simply leads.
 */
export function startLeadership(
  lead: () => () => void,
  opts: { databaseUrl?: string | null; retryMs?: number; name?: string } = {},
): LeaderElection {
  const url = opts.databaseUrl === undefined ? getConfig().databaseUrl : (opts.databaseUrl ?? undefined);
  const id = replicaState().id;
  if (!url) {
    const stopWork = lead();
    setLeader(true);
    return {
      isLeader: () => true,
      stop: async () => {
        stopWork();
        setLeader(false);
      },
    };
  }
  return startLeaderElection({
    openSession: (onClosed) => openLeaderLockSession(url, `atrium-leader-${opts.name ?? id}`.slice(0, 63), onClosed),
    lead,
    retryMs: opts.retryMs ?? 5_000,
    onChange: (leader) => {
      setLeader(leader);
      console.log(
        `[atrium] replica ${id} ${leader ? "is now the leader: running reconcile, cull, usage sampling, the jobs scheduler and event delivery" : "is a follower: background loops stopped"}`,
      );
    },
  });
}
