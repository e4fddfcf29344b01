/**
 * The networks Atrium creates for its containers, which one a workload joins (workloadNetwork), and
 * how it makes sure one exists as wanted. Every network Atrium creates carries atrium.managed=true
 * and atrium.network=<purpose>, so an operator (and CI's clean-up) finds them by label; a person's
 * own network also carries her id (atrium.user-id). docs/architecture.md §7.
 */
import { createHash } from "node:crypto";
import { LABEL_MANAGED, LABEL_USER_ID } from "./kinds";
import { engineMessage, statusCodeOf, type Engine } from "./engine";
import { SpawnError } from "./types";
import { RecentAnswers } from "@/lib/util/recent-answers";

const LABEL_NETWORK = "atrium.network";

/**
 * The docker backend's network when the portal runs on the host: a bridge with inter-container
 * traffic off (icc=false). Workspaces and jobs on it cannot reach one another, by address or by
 * name, while they still reach the host (host.docker.internal: the portal, the PyPI proxy) and the
 * outside; the portal reaches each through its port published on 127.0.0.1.
 */
export const ISOLATED_NETWORK = "atrium-isolated";
const ICC_OPTION = "com.docker.network.bridge.enable_icc";

export interface WantedNetwork {
  name: string;
  driver: "bridge" | "overlay";
  attachable?: boolean;
  options?: Record<string, string>;
  /** Labels besides atrium.managed and atrium.network; a namesake without them is not this network. */
  labels?: Record<string, string>;
  /** What the network is for: the value of atrium.network. */
  purpose: string;
  /** What to do about an unfit network of that name, the end of a sentence: "remove it or set X to another name". */
  remedy: string;
}

interface FoundNetwork {
  Id: string;
  Created?: string;
  Name: string;
  Driver: string;
  Attachable?: boolean;
  Options?: Record<string, string>;
  Labels?: Record<string, string> | null;
}

/** Why an existing network of that name cannot be used, or undefined when it is as wanted. */
function unfit(found: FoundNetwork, want: WantedNetwork): string | undefined {
  if (found.Driver !== want.driver) return `is a ${found.Driver} network, not ${want.driver}`;
  if (want.attachable && !found.Attachable) return "is not attachable";
  for (const [k, v] of Object.entries(want.options ?? {})) {
    if (found.Options?.[k] !== v) return `lacks the option ${k}=${v}`;
  }
  for (const [k, v] of Object.entries(want.labels ?? {})) {
    if (found.Labels?.[k] !== v) return `lacks the label ${k}=${v}`;
  }
  return undefined;
}

/** Creates the network when it is missing; refuses one of that name that is not as wanted. */
export async function ensureNetwork(engine: Engine, want: WantedNetwork, who?: string): Promise<void> {
  const { name } = want;
  const found = (await networksNamed(engine, name, who))[0];
  if (found) {
    const why = unfit(found, want);
    if (why) {
      throw new SpawnError(`The network ${name} exists but ${why}; ${want.remedy}.`, "engine_error");
    }
    return;
  }
  const create = {
    Name: name,
    Driver: want.driver,
    CheckDuplicate: true,
    ...(want.attachable ? { Attachable: true } : {}),
    ...(want.options ? { Options: want.options } : {}),
    Labels: { ...want.labels, [LABEL_MANAGED]: "true", [LABEL_NETWORK]: want.purpose },
  };
  let createdId: string;
  try {
    createdId = (await engine.call((abortSignal) => engine.docker.createNetwork({ ...create, abortSignal }))).id;
  } catch (err) {
    if (statusCodeOf(err) === 409) return; // created meanwhile
    if (/non-overlapping|address pool|no available network/i.test(engineMessage(err))) {
      // Each bridge takes one range of the engine's default-address-pools (about 30 by default).
      throw new SpawnError(
        `The ${who ?? "container engine"} has no address range left for the network ${name}; an admin has to remove unused networks or widen the engine's default-address-pools (docs/architecture.md §7).`,
        "engine_error",
      );
    }
    throw engine.failure(`create the network ${name}`, err, who);
  }
  await keepOneNamed(engine, name, createdId, who);
}

/** The networks of exactly this name (the engine's filter matches substrings), oldest first, then by id. */
async function networksNamed(engine: Engine, name: string, who?: string): Promise<FoundNetwork[]> {
  const nets = (await engine.request(
    "list the networks",
    (abortSignal) => engine.docker.listNetworks({ filters: { name: [name] }, abortSignal }),
    who,
  )) as FoundNetwork[];
  const key = (n: FoundNetwork) => `${n.Created ?? ""} ${n.Id}`;
  return nets.filter((n) => n.Name === name).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Engines no longer refuse a second network of the same name (CheckDuplicate is ignored), so two
 * processes creating it at once make two, and every container naming it then fails ("network not
 * found": the name is ambiguous). Each creator looks again: the oldest stays, and a creator whose
 * network is not the oldest removes its own (nothing has joined it: the name was ambiguous meanwhile).
 */
async function keepOneNamed(engine: Engine, name: string, createdId: string, who?: string): Promise<void> {
  const nets = await networksNamed(engine, name, who);
  if (nets.length < 2 || nets[0]?.Id === createdId) return;
  await engine
    .call((abortSignal) => engine.docker.getNetwork(createdId).remove({ abortSignal }))
    .catch((err: unknown) => console.warn(`[atrium] removing the duplicate network ${name} (${createdId}) failed:`, err));
}

export const ISOLATED_BRIDGE: WantedNetwork = {
  name: ISOLATED_NETWORK,
  driver: "bridge",
  options: { [ICC_OPTION]: "false" },
  purpose: "isolated",
  remedy: "remove it once no container uses it, and Atrium creates it again with inter-container traffic off",
};

const PERSONAL_PURPOSE = "personal";

/**
 * Where a backend's workloads go: the one isolated bridge (the docker backend with the portal on the
 * host, which reaches each by its published port), or a network per person, a bridge (the portal in
 * a container, docker-compose) or an attachable overlay (swarm), that the portal joins when it
 * reaches workloads by name (portal-container.ts).
 */
export type NetworkScheme = "isolated-bridge" | "personal-bridge" | "personal-overlay";

/**
 * The network a workload of `ownerId` (users.id) joins. A person's network is named by a hash of her
 * id (names stay short and carry nothing a person typed) and labelled with the id itself, which
 * ensureNetwork checks, so a namesake of another owner is refused rather than joined.
 */
export function workloadNetwork(scheme: NetworkScheme, ownerId: string): WantedNetwork {
  if (scheme === "isolated-bridge") return ISOLATED_BRIDGE;
  if (!ownerId) throw new TypeError("A workload on a personal network needs its owner's id.");
  const overlay = scheme === "personal-overlay";
  const short = createHash("sha256").update(ownerId).digest("hex").slice(0, 16);
  return {
    name: `${overlay ? "atrium-swarm-u" : "atrium-u"}-${short}`,
    driver: overlay ? "overlay" : "bridge",
    ...(overlay ? { attachable: true } : {}),
    labels: { [LABEL_USER_ID]: ownerId },
    purpose: PERSONAL_PURPOSE,
    remedy: "remove it once no container uses it, and Atrium creates it again for its owner",
  };
}

/** The portal's own container, for a backend whose portal reaches workloads by name (portal-container.ts). */
export interface PortalAttachment {
  id(): Promise<string>;
  join(network: string): Promise<void>;
}

/**
 * A backend's networks: for each workload, the network of its owner, created when missing and, when
 * the portal reaches workloads by name, joined by the portal's own container.
 */
export class WorkloadNetworks {
  private readonly isolatedReady = new RecentAnswers<void>(Infinity);

  constructor(
    private readonly engine: Engine,
    readonly scheme: NetworkScheme,
    private readonly portal?: PortalAttachment,
    private readonly who?: string,
  ) {}

  /** The name of the network a workload of `ownerId` (its spec's ownerId, whatever its kind) joins. */
  nameFor(ownerId: string): string {
    return workloadNetwork(this.scheme, ownerId).name;
  }

  /**
   * The network a workload of `ownerId` joins, ready for it: the one hook every backend calls before
   * it creates a workload of any kind. A person's network is looked for at every start (one request),
   * not remembered: removeIdle may have removed it since, here or on another replica.
   */
  async prepare(ownerId: string): Promise<string> {
    const want = workloadNetwork(this.scheme, ownerId);
    if (this.scheme === "isolated-bridge") await this.isolatedReady.get("", () => ensureNetwork(this.engine, want, this.who));
    else await ensureNetwork(this.engine, want, this.who);
    await this.portal?.join(want.name);
    return want.name;
  }

  /**
   * The portal joins the network of a running workload it found rather than started (after its own
   * container was replaced, or on another replica): otherwise the workload's name does not resolve.
   */
  async reach(ownerId: string | undefined): Promise<void> {
    if (!this.portal || !ownerId || this.scheme === "isolated-bridge") return;
    await this.portal.join(this.nameFor(ownerId));
  }

  /**
   * Removes the personal networks no workload uses any more, of every owner on this engine, and
   * returns their names. A network stays while any container of Atrium's is on it (running or not)
   * or, for an overlay, any service names it (its tasks may be on other nodes), and while any
   * container other than the portal's own is attached (an operator's); the portal's container is
   * disconnected first. A network removed just as a start looked it up fails that start's create
   * with the engine's sentence; starting again makes it anew.
   */
  async removeIdle(): Promise<string[]> {
    if (this.scheme === "isolated-bridge") return [];
    const nets = (await this.engine.request("list the networks", (abortSignal) =>
      this.engine.docker.listNetworks({
        filters: { label: [`${LABEL_NETWORK}=${PERSONAL_PURPOSE}`, `${LABEL_MANAGED}=true`] },
        abortSignal,
      }),
    )) as Array<{ Id: string; Name: string; Driver: string }>;
    const driver = this.scheme === "personal-overlay" ? "overlay" : "bridge";
    const mine = nets.filter((n) => n.Driver === driver); // the other backend's, on a shared engine, are its own to remove
    if (mine.length === 0) return [];
    const portalId = this.portal ? await this.portal.id() : undefined;
    const inServices = this.scheme === "personal-overlay" ? await this.serviceNetworks() : new Set<string>();
    const removed: string[] = [];
    for (const net of mine) {
      if (inServices.has(net.Id) || inServices.has(net.Name)) continue;
      const attached = await this.engine.request("list containers", (abortSignal) =>
        this.engine.docker.listContainers({ all: true, filters: { network: [net.Id] }, abortSignal }),
      );
      if (attached.some((c) => c.Id !== portalId)) continue;
      const network = this.engine.docker.getNetwork(net.Id);
      try {
        if (attached.length > 0)
          await this.engine.call((abortSignal) => network.disconnect({ Container: portalId, Force: true, abortSignal }));
        await this.engine.call((abortSignal) => network.remove({ abortSignal }));
        removed.push(net.Name);
      } catch (err) {
        // 404: removed meanwhile; 403/409: a workload joined it meanwhile. Either way it is not idle here.
        const code = statusCodeOf(err);
        if (code !== 404 && code !== 403 && code !== 409) throw this.engine.failure(`remove the network ${net.Name}`, err, this.who);
      }
    }
    return removed;
  }

  /** Ids and names of the networks the swarm's services name. */
  private async serviceNetworks(): Promise<Set<string>> {
    const services = await this.engine.request(
      "list services",
      (abortSignal) => this.engine.docker.listServices({ abortSignal }),
      this.who,
    );
    const targets = services.flatMap((s) => s.Spec?.TaskTemplate?.Networks?.map((n) => n.Target ?? "") ?? []);
    return new Set(targets);
  }
}

/** A status is still told when the portal could not join a workload's network; the next call tries again. */
export function warnUnreached(err: unknown): void {
  console.warn(`[atrium] ${err instanceof Error ? err.message : String(err)}`);
}
