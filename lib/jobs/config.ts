/**
 * The jobs' own settings, read from the environment here until lib/config takes them over (the
 * config layer is another change's; see docs/jobs.md, "Configuration").
 */
function seconds(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number of seconds of at least ${min}, not "${raw}".`);
  return n;
}

export interface JobsConfig {
  /** How often the leader's loop looks at due schedules, queued and running executions. */
  tickMs: number;
  /** How often a running execution's object is asked whether it ended. */
  pollMs: number;
}

export function jobsConfig(): JobsConfig {
  return {
    tickMs: seconds("ATRIUM_JOBS_TICK_S", 5, 0.05) * 1000,
    pollMs: seconds("ATRIUM_JOBS_POLL_S", 1, 0.05) * 1000,
  };
}
