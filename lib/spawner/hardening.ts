/**
 * The one hardened spec of every container the portal starts — a workspace, a job execution, an
 * image scan, and whatever kind comes next (a model endpoint): a pids limit (a fork bomb stops at
 * it, not at the host's), every Linux capability dropped (the images run as jovyan and need none;
 * a root `docker exec` is uid 0 without privileges), and no-new-privileges (a setuid binary gains
 * nothing). Each backend only translates it into its own fields: a container's HostConfig, a swarm
 * service's ContainerSpec and resource limits. docs/architecture.md §7.
 */
import type Dockerode from "dockerode";

/** Processes and threads one container may hold at once when its owner's role does not say. */
export const DEFAULT_PIDS_LIMIT = 1024;
/** The lower bound of a role's pids limit: Jupyter, its kernel and a shell need a few dozen. */
export const MIN_PIDS_LIMIT = 32;
/** The upper bound a role may set (the kernel's own default pid_max is 32768 for the whole host). */
export const MAX_PIDS_LIMIT = 32_768;

export interface Hardening {
  pidsLimit: number;
  capDrop: ["ALL"];
  noNewPrivileges: true;
}

/** The hardening of a container whose owner may hold `pids` processes (undefined: the default). */
export function hardening(pids: number | undefined): Hardening {
  const pidsLimit = pids ?? DEFAULT_PIDS_LIMIT;
  if (!Number.isInteger(pidsLimit) || pidsLimit < 1) throw new TypeError(`pids must be a positive whole number, not ${pidsLimit}.`);
  return { pidsLimit, capDrop: ["ALL"], noNewPrivileges: true };
}

/** As a container's HostConfig fields (the docker backend, jobs on it, image scans). */
export function hardenedHostConfig(h: Hardening): Pick<Dockerode.HostConfig, "PidsLimit" | "CapDrop" | "SecurityOpt"> {
  return { PidsLimit: h.pidsLimit, CapDrop: [...h.capDrop], SecurityOpt: h.noNewPrivileges ? ["no-new-privileges:true"] : [] };
}

/**
 * As a swarm task template's fields: `CapabilityDrop` and `Resources.Limits.Pids` (API 1.41, Docker
 * 20.10), and `Privileges.NoNewPrivileges`, which only a newer engine's swarm carries to the
 * container: Docker 20.10 stores it as false. There a setuid binary still runs as uid 0, but with
 * no capability at all (docs/deploy-swarm.md).
 */
export function hardenedTask(h: Hardening): {
  containerSpec: { CapabilityDrop: string[]; Privileges: Dockerode.Privileges & { NoNewPrivileges: boolean } };
  limits: { Pids: number };
} {
  return {
    containerSpec: { CapabilityDrop: [...h.capDrop], Privileges: { NoNewPrivileges: h.noNewPrivileges } },
    limits: { Pids: h.pidsLimit },
  };
}
