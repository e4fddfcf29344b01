/**
 * What makes a workload a Jupyter workspace (docs/architecture.md §7): its ref (kind "workspace",
 * id `<user>_<server>`), Jupyter's port, the home volume at /home/jovyan, the token and base URL in
 * the environment (never on the command line), and the environment's command with `{baseUrl}` and
 * `{port}` filled in. The spawner knows none of it; readiness (Jupyter's /api/status) is readiness.ts.
 */
import { LABEL_ENV, LABEL_SERVER, LABEL_USER, type ListedWorkload, type WorkloadRef, type WorkloadSpec } from "@/lib/spawner";
import { baseUrlOf, type ServerRef } from "./names";

export const JUPYTER_PORT = 8888;
/** The Jupyter images' home; the owner's volume is mounted here. */
export const HOME_DIR = "/home/jovyan";

export function workspaceRef(ref: ServerRef): WorkloadRef {
  if (ref.server.includes("_")) throw new TypeError(`The server name "${ref.server}" cannot contain "_".`);
  return { kind: "workspace", id: `${ref.user}_${ref.server}` };
}

/** The (user, server) a listed workspace's labels name; undefined for another kind. */
export function serverOf(listed: ListedWorkload): ServerRef | undefined {
  const user = listed.labels[LABEL_USER];
  const server = listed.labels[LABEL_SERVER];
  return listed.ref.kind === "workspace" && user && server ? { user, server } : undefined;
}

export interface WorkspaceLaunch extends ServerRef {
  ownerId: string;
  /** The volume stored with the person, never one derived from her name (a deleted namesake's). */
  homeVolume: string;
  environment: { id: string; image: string; command?: string[] | null; constraints?: string[] };
  cpu: number;
  memGb: number;
  pids?: number;
  /** Jupyter's token: JUPYTER_TOKEN, which only this function sets. */
  token: string;
  /** The rest of the environment (portal-env.ts). */
  env: Record<string, string>;
}

export function workspaceSpec(w: WorkspaceLaunch): WorkloadSpec {
  const baseUrl = baseUrlOf(w);
  const env = { ...w.env };
  delete env.JUPYTER_TOKEN;
  delete env.JUPYTER_BASE_URL;
  return {
    ref: workspaceRef(w),
    ownerId: w.ownerId,
    ownerName: w.user,
    image: w.environment.image,
    // The image's entrypoint stays; undefined: the image's own command.
    args: w.environment.command?.map((arg) => arg.replaceAll("{baseUrl}", baseUrl).replaceAll("{port}", String(JUPYTER_PORT))),
    env: { ...env, JUPYTER_TOKEN: w.token, JUPYTER_BASE_URL: baseUrl },
    cpu: w.cpu,
    memGb: w.memGb,
    pids: w.pids,
    port: JUPYTER_PORT,
    mounts: [{ volume: w.homeVolume, target: HOME_DIR }],
    labels: { [LABEL_ENV]: w.environment.id },
    constraints: w.environment.constraints,
  };
}
