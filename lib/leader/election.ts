/**
 * Leader election for portal replicas. Every replica keeps one lock session and tries to take the
 * lock every `retryMs`; the holder runs `lead()` until it loses the lock (its check fails or times
 * out), then stops what lead() started. A leader that dies drops its connection, Postgres releases
 * the lock, and a follower takes over on its next try, so within `retryMs` plus a check timeout.
 */
import type { LeaderLockSession } from "@/db/leader-lock";

export interface LeaderElectionOptions {
  /** Opens a fresh lock session (called again after one failed); it calls onClosed if its connection ends. */
  openSession(onClosed: () => void): LeaderLockSession;
  /** Starts the leader's work; returns a function that stops it. */
  lead(): () => void;
  /** Told about every change of leadership (for logs and /api/health). */
  onChange?(leader: boolean): void;
  retryMs?: number;
  /** A check that takes longer than this counts as lost: better no leader for a moment than two. */
  checkTimeoutMs?: number;
}

export interface LeaderElection {
  isLeader(): boolean;
  /** Stops the work (if leading) and closes the session, releasing the lock for another replica. */
  stop(): Promise<void>;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function startLeaderElection(opts: LeaderElectionOptions): LeaderElection {
  const retryMs = opts.retryMs ?? 5_000;
  const checkTimeoutMs = opts.checkTimeoutMs ?? Math.max(1_000, Math.min(retryMs, 5_000));
  let session: LeaderLockSession | undefined;
  let stopWork: (() => void) | undefined;
  let stopped = false;
  let busy: Promise<void> = Promise.resolve();

  const setLeading = (leading: boolean) => {
    if (leading === (stopWork !== undefined)) return;
    if (leading) stopWork = opts.lead();
    else {
      stopWork?.();
      stopWork = undefined;
    }
    opts.onChange?.(leading);
  };

  const dropSession = () => {
    const s = session;
    session = undefined;
    void s?.close().catch(() => undefined);
  };

  const attempt = async () => {
    if (stopped) return;
    try {
      if (!session) {
        const opened: LeaderLockSession = opts.openSession(() => {
          // The lock went with the connection: stand down now rather than at the next check.
          if (session !== opened) return;
          if (stopWork) console.warn("[atrium] leader: the lock's database connection closed; stopping background loops");
          setLeading(false);
          dropSession();
        });
        session = opened;
      }
      const current = session;
      const held = await withTimeout(current.tryAcquire(), checkTimeoutMs);
      // Only the session that answered counts: it may have closed (and been replaced) meanwhile.
      if (!stopped && session === current) setLeading(held);
    } catch (err) {
      // The connection is gone or hanging: whatever this session held is no longer ours to trust.
      if (stopWork)
        console.warn(
          `[atrium] leader: lost the lock session (${err instanceof Error ? err.message : String(err)}); stopping background loops`,
        );
      setLeading(false);
      dropSession();
    }
  };

  const tick = () => {
    busy = busy.then(attempt);
  };
  tick();
  const timer = setInterval(tick, retryMs);
  timer.unref();

  return {
    isLeader: () => stopWork !== undefined,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await busy;
      setLeading(false);
      const s = session;
      session = undefined;
      await s?.close().catch(() => undefined);
    },
  };
}
