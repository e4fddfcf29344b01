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

/**
 * Starts the production build of the portal (`npm run build` must have run) as its own process group,
 * with its output in test-results/logs/<name>.log, and waits until /api/health answers.
 */
async function assertPortFree(port: number): Promise<void> {
  const taken = await fetch(`http://127.0.0.1:${port}/api/health`).then(
    () => true,
    () => false,
  );
  // A portal left over from another test would answer the health check in place of the new one.
  if (taken) throw new Error(`port ${port} is already answering; a portal from another test is still running there`);
}

export async function startPortal(name: string, port: number, env: Record<string, string>): Promise<RunningPortal> {
  await assertPortFree(port);
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${name}.log`);
  const out = openSync(logFile, "a");
  const child = spawn(process.execPath, ["--enable-source-maps", SERVER_ENTRY], {
    cwd: root,
    env: { ...process.env, NODE_ENV: "production", PORT: String(port), ATRIUM_LISTEN_HOST: "127.0.0.1", ...env },
    stdio: ["ignore", out, out],
    detached: true,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child, logFile, 60_000);
  const pid = child.pid ?? 0;
  // Listened for from the start: a process killed by a signal has exitCode null, and "exit" fires once.
  let gone = false;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      gone = true;
      resolve();
    }),
  );
  return {
    url,
    pid,
    stop: async (signal = "SIGTERM") => {
      if (gone) return;
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
    },
  };
}
