/**
 * The portal's own container, when the portal runs in one and reaches workloads by name
 * (docker-compose's ATRIUM_DOCKER_NETWORK, a swarm with ATRIUM_SWARM_PUBLISH=none): each person's
 * workloads sit on a network of their own (networks.ts), and the portal's container joins each such
 * network, under the names it has on its own network ("portal"), so that workloads still reach it
 * by the name they were given (ATRIUM_WORKSPACE_PORTAL_URL) and it reaches them by theirs.
 *
 * Which container is the portal's: ATRIUM_PORTAL_CONTAINER when set, else found, in this order, by
 * the container id in this process's mount table (Docker bind-mounts /etc/hostname and friends from
 * /var/lib/docker/containers/<id>/, whatever the cgroup version or a `hostname:` setting) and by the
 * host name (a container's short id unless overridden). Either way it must be attached to the
 * portal's own network: a host whose name happens to be some container's never lends that
 * container everyone's networks. docs/architecture.md §7.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type Dockerode from "dockerode";
import { RecentAnswers } from "@/lib/util/recent-answers";
import { engineMessage, statusCodeOf, type Engine } from "./engine";
import { SpawnError } from "./types";

/** How long a joined network is taken as joined (a burst of starts and statuses asks once); short, as removeIdle may remove it. */
const JOINED_MS = 2_000;
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const ID_IN_MOUNTS = /\/containers\/([0-9a-f]{64})\//;
/** Labels that name the service a container belongs to, which workloads may use as the portal's name. */
const SERVICE_LABELS = ["com.docker.compose.service", "com.docker.swarm.service.name"];
const STACK_LABEL = "com.docker.stack.namespace";

export interface PortalContainerOptions {
  /** ATRIUM_PORTAL_CONTAINER: the portal's container, by name or id; unset: found (see above). */
  container?: string;
  /** The portal's own network (ATRIUM_DOCKER_NETWORK, ATRIUM_SWARM_NETWORK): its names are read there. */
  network: string;
}

interface Self {
  id: string;
  aliases: string[];
}

/** Candidate ids of the container this process runs in; none on a host. */
export function ownContainerCandidates(mountinfo = readMountinfo(), host = hostname()): string[] {
  const ids = new Set<string>();
  for (const line of mountinfo.split("\n")) {
    const m = ID_IN_MOUNTS.exec(line);
    if (m?.[1]) ids.add(m[1]);
  }
  if (NAME_RE.test(host)) ids.add(host);
  return [...ids];
}

function readMountinfo(): string {
  try {
    return readFileSync("/proc/self/mountinfo", "utf8");
  } catch {
    return "";
  }
}

export class PortalContainer {
  private readonly self = new RecentAnswers<Self>(Infinity);
  private readonly joined = new RecentAnswers<void>(JOINED_MS);

  constructor(
    private readonly engine: Engine,
    private readonly opts: PortalContainerOptions,
  ) {}

  /** The id of the portal's container. */
  async id(): Promise<string> {
    return (await this.self.get("", () => this.find())).id;
  }

  /** The portal's container is attached to `network` (once per JOINED_MS, and again after a failure). */
  join(network: string): Promise<void> {
    return this.joined.get(network, () => this.connect(network));
  }

  private async find(): Promise<Self> {
    const { container, network } = this.opts;
    const candidates = container ? [container] : ownContainerCandidates();
    for (const c of candidates) {
      const info = await this.engine.inspectContainer(c);
      const onNetwork = info?.NetworkSettings?.Networks?.[network];
      if (!info || !onNetwork) continue;
      const labels = info.Config?.Labels ?? {};
      const aliases: unknown = onNetwork.Aliases; // dockerode types it as any
      const names = [...(Array.isArray(aliases) ? aliases.filter((a): a is string => typeof a === "string") : [])];
      names.push(...SERVICE_LABELS.map((l) => labels[l] ?? ""));
      // A stack's service "portal" is "<stack>_portal" to the swarm, and "portal" within the stack.
      const stack = labels[STACK_LABEL];
      const service = labels["com.docker.swarm.service.name"];
      if (stack && service?.startsWith(`${stack}_`)) names.push(service.slice(stack.length + 1));
      return { id: info.Id, aliases: [...new Set(names.filter((n) => NAME_RE.test(n)))] };
    }
    const which = container
      ? `the container ${container} (ATRIUM_PORTAL_CONTAINER) does not exist or is not on ${network}`
      : `no container on ${network} is this process's (tried ${candidates.join(", ") || "none"})`;
    throw new SpawnError(
      `The portal could not find its own container to join the person's network: ${which}; set ATRIUM_PORTAL_CONTAINER to the portal container's name.`,
      "engine_error",
    );
  }

  private async connect(network: string): Promise<void> {
    const self = await this.self.get("", () => this.find());
    const info = await this.engine.inspectContainer(self.id);
    if (!info) throw new SpawnError(`The portal's container ${self.id} is gone; restart the portal.`, "engine_error");
    if (info.NetworkSettings?.Networks?.[network]) return;
    const options: Dockerode.NetworkConnectOptions = { Container: self.id, EndpointConfig: { Aliases: self.aliases } };
    try {
      // dockerode passes abortSignal on to the request (its types do not list it).
      await this.engine.call((abortSignal) =>
        this.engine.docker.getNetwork(network).connect({ ...options, abortSignal } as Dockerode.NetworkConnectOptions),
      );
    } catch (err) {
      // Joined meanwhile (another start of the same person's workloads).
      if ((statusCodeOf(err) === 403 || statusCodeOf(err) === 409) && /already exists/i.test(engineMessage(err))) return;
      // No such network: a workload started before networks per person, still on the portal's own
      // network; or one removed since it was made, which the create that follows reports.
      if (statusCodeOf(err) === 404) return;
      throw this.engine.failure(`connect the portal's container to the network ${network}`, err);
    }
  }
}
