/**
 * bench:proxy's helper processes: started detached from the terminal's output, each announcing itself
 * with one JSON line on stdout, and stopped by process id when the bench ends.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export interface Child {
  proc: ChildProcess;
  stop(): void;
}

const started: Child[] = [];
/** USER_HZ: Linux reports /proc times in 1/100 s on every architecture Node runs on. */
const CLOCK_TICKS = 100;

function track(proc: ChildProcess, name: string): Child {
  let stderr = "";
  proc.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let stopping = false;
  proc.on("exit", (code) => {
    if (!stopping && code !== 0) console.error(`[bench] ${name} exited with code ${code}: ${stderr.trim()}`);
  });
  const child = {
    proc,
    stop() {
      stopping = true;
      if (proc.exitCode === null && proc.pid !== undefined) proc.kill("SIGTERM");
    },
  };
  started.push(child);
  return child;
}

/** Runs a TypeScript file of this folder with tsx and waits for its first JSON line. */
export async function startScript<T>(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ child: Child; info: T }> {
  // BENCH_PROFILE=<dir> writes a CPU profile of each helper there (open it in Chrome DevTools).
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  const proc = spawn(process.execPath, [...profile, "--import", "tsx", path.join(import.meta.dirname, file), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  const child = track(proc, file);
  const info = await new Promise<T>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${file} did not start within 60 s`)), 60_000);
    proc.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.trim().startsWith("{"));
      if (line) {
        clearTimeout(timer);
        resolve(JSON.parse(line) as T);
      }
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (code ${code}) before it was ready`));
    });
  });
  proc.stdout?.resume();
  return { child, info };
}

export function startBinary(bin: string, args: string[], env: NodeJS.ProcessEnv): Child {
  return track(spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"], env }), path.basename(bin));
}

export function stopAll(): void {
  for (const c of started) c.stop();
}

/** A port nobody listens on right now (for programs that must be told their port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = address && typeof address === "object" ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux). Lets the bench report a
 * proxy's requests per CPU-second, which does not depend on what else the machine is running.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at state (field 3); utime is 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}
