/**
 * bench:proxy's peer proxies (configurable-http-proxy, nginx): started detached from the terminal's output
 * and stopped by process id when the bench ends; their CPU time read from /proc.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
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

export function startBinary(bin: string, args: string[], env: NodeJS.ProcessEnv): Child {
  return track(spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"], env }), path.basename(bin));
}

export function stopAll(): void {
  for (const c of started) c.stop();
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
