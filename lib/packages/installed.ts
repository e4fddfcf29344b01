import type { Db } from "@/db/client";
import type { ScopedCaller } from "@/lib/auth/scopes";
import { ApiError } from "@/lib/http/api-error";
import type { OutputLimit, Spawner } from "@/lib/spawner";
import { PIP_LIST_ARGV } from "./pip-argv";
import { HOME_DIR, workspaceRef } from "@/lib/workspaces/workload";
import { execError, requireRunningWorkspace } from "./workspace-target";

export interface InstalledPackage {
  name: string;
  version: string;
  location: string;
  /** Installed into the home volume (by the person): kept when the workspace restarts. */
  inHome: boolean;
}

/**
 * pip's list is a few hundred KiB at most; a workspace whose Python prints more (a
 * usercustomize.py in the home volume runs with every interpreter) is refused, not read.
 */
const PIP_LIST_LIMIT: OutputLimit = {
  maxBytes: 8 * 1024 * 1024,
  deadlineMs: 60_000,
  what: "pip",
  consequence: "the package list was not read",
};

/** Everything pip sees in the workspace; PIP_USER=0 because with PIP_USER=1 pip lists only user installs. */
export async function listInstalled(
  db: Db,
  spawner: Spawner,
  caller: ScopedCaller,
  user: string,
  server: string,
): Promise<InstalledPackage[]> {
  await requireRunningWorkspace(db, caller, user, server);
  let exec: Awaited<ReturnType<Spawner["exec"]>>;
  try {
    exec = await spawner.exec(workspaceRef({ user, server }), PIP_LIST_ARGV, { env: { PIP_USER: "0" }, limit: PIP_LIST_LIMIT });
  } catch (err) {
    throw execError(err, user, server);
  }
  let json: string | undefined;
  let last: string | undefined;
  let code: number;
  try {
    for await (const line of exec.output) {
      if (json === undefined && line.startsWith("[")) json = line;
      last = line;
    }
    code = await exec.exitCode;
  } catch (err) {
    throw execError(err, user, server);
  }
  if (code !== 0 || !json)
    throw new ApiError(502, "pip_failed", `pip list failed in ${user}/${server} (exit ${code}): ${last ?? "no output"}`);
  const raw = JSON.parse(json) as { name?: unknown; version?: unknown; location?: unknown }[];
  return raw
    .filter((p): p is { name: string; version: string; location?: unknown } => typeof p.name === "string" && typeof p.version === "string")
    .map((p) => {
      const location = typeof p.location === "string" ? p.location : "";
      return { name: p.name, version: p.version, location, inHome: location.startsWith(`${HOME_DIR}/`) };
    })
    .sort((a, b) => Number(b.inHome) - Number(a.inHome) || a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
}
