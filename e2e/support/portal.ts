import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import path from "node:path";

export interface RunningPortal {
  url: string;
  pid: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const root = path.resolve(import.meta.dirname, "..", "..");
export const LOG_DIR = path.join(root, process.env.E2E_OUTPUT_DIR ?? "test-results", "logs");
/** The built server (scripts/build-server.mjs), as `npm start` runs it. */
export const SERVER_ENTRY = path.join(root, "node_modules", "@atrium", "core", "server.js");

async function waitForHealth(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`portal exited (${child.exitCode ?? child.signalCode}) before answering; see ${logFile}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`portal at ${url} did not answer /api/health within ${timeoutMs / 1000}s; see ${logFile}`);
}

async function assertPortFree(port: number): Promise<void> {
  const taken = await fetch(`http://127.0.0.1:${port}/api/health`).then(
    () => true,
    () => false,
  );
  // A portal left over from another test would answer the health check in place of the new one.
  if (taken) throw new Error(`port ${port} is already answering; a portal from another test is still running there`);
}

/**
 * How long a portal may take to answer /api/health: migrations, Next's start and the first engine
 * ping take seconds alone, and far longer on a machine busy with other test runs.
 */
export const PORTAL_START_TIMEOUT_MS = 180_000;

/** Kills a process group and waits until its leader is gone (SIGKILL after 10 s). */
async function killGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-pid, signal);
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // already gone
    }
  }, 10_000);
  await exited;
  clearTimeout(timer);
}

export interface StartOptions {
  /** The script node runs; the built server unless a test of this helper says otherwise. */
  entry?: string;
  startTimeoutMs?: number;
  /** Options for node itself, before the script (a benchmark's `--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

/**
 * Starts the production build of the portal (`npm run build` must have run) as its own process group,
 * with its output in test-results/logs/<name>.log, and waits until /api/health answers. A portal that
 * does not answer in time is killed with its whole group, so no half-started portal keeps the port
 * (and the next test's health check would reach it instead of its own).
 */
export async function startPortal(
  name: string,
  port: number,
  env: Record<string, string>,
  opts: StartOptions = {},
): Promise<RunningPortal> {
  await assertPortFree(port);
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}.log`);
  const out = openSync(logFile, "a");
  const child = spawn(process.execPath, ["--enable-source-maps", ...(opts.nodeArgs ?? []), opts.entry ?? SERVER_ENTRY], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), ATRIUM_LISTEN_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", out, out],
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, logFile, opts.startTimeoutMs ?? PORTAL_START_TIMEOUT_MS);
  } catch (err) {
    await killGroup(child, "SIGKILL");
    throw err;
  }
  return { url, pid: child.pid ?? 0, stop: (signal = "SIGTERM") => killGroup(child, signal) };
}
