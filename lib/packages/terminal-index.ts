/**
 * Which index `pip` typed in a running workspace's terminal uses: the PIP_INDEX_URL it was started with
 * (lib/workspaces/portal-env.ts), which a changed ATRIUM_WORKSPACE_PIP_INDEX_URL (or PYPI_INDEX_URL) does not reach
 * until it restarts, whereas the portal's installs always pass the current one (README, "Packages").
 */
import type { OutputLimit } from "@/lib/spawner/bounded-output";
import type { Spawner } from "@/lib/spawner";
import { workspaceRef } from "@/lib/workspaces/workload";

const PRINTENV_LIMIT: OutputLimit = {
  maxBytes: 8 * 1024,
  deadlineMs: 10_000,
  what: "printenv",
  consequence: "the workspace's index was not read",
};

/** "current" or "other" (its terminal's pip uses another index than the portal's now); null when it could not be read. */
export async function terminalIndexOf(
  spawner: Spawner,
  user: string,
  server: string,
  current: string | undefined,
): Promise<"current" | "other" | null> {
  try {
    const exec = await spawner.exec(workspaceRef({ user, server }), ["printenv", "PIP_INDEX_URL"], { limit: PRINTENV_LIMIT });
    let started = "";
    for await (const line of exec.output) started ||= line.trim();
    const code = await exec.exitCode;
    if (code !== 0 && code !== 1) return null; // 1: the variable is unset, it started with no index
    return started === (current ?? "") ? "current" : "other";
  } catch {
    return null; // unknown: the note is left out rather than guessed
  }
}
