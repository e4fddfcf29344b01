/**
 * The networks Atrium creates for its containers, and how it makes sure one exists as wanted. Both
 * backends ask once per process (RecentAnswers) and again only after a failure. Every network
 * Atrium creates carries atrium.managed=true and atrium.network=<purpose>, so an operator (and CI's
 * clean-up) finds them by label.
 */
import { LABEL_MANAGED } from "./container-spec";
import { statusCodeOf, type Engine } from "./engine";
import { SpawnError } from "./types";

export const LABEL_NETWORK = "atrium.network";

/**
 * The docker backend's network when the portal runs on the host: a bridge with inter-container
 * traffic off (icc=false). Workspaces and jobs on it cannot reach one another, by address or by
 * name, while they still reach the host (host.docker.internal: the portal, the PyPI proxy) and the
 * outside; the portal reaches each through its port published on 127.0.0.1.
 */
export const ISOLATED_NETWORK = "atrium-isolated";
export const ICC_OPTION = "com.docker.network.bridge.enable_icc";

export interface WantedNetwork {
  name: string;
  driver: "bridge" | "overlay";
  attachable?: boolean;
  options?: Record<string, string>;
  /** What the network is for: the value of atrium.network. */
  purpose: string;
  /** What to do about an unfit network of that name, the end of a sentence: "remove it or set X to another name". */
  remedy: string;
}

interface FoundNetwork {
  Name: string;
  Driver: string;
  Attachable?: boolean;
  Options?: Record<string, string>;
}

/** Why an existing network of that name cannot be used, or undefined when it is as wanted. */
function unfit(found: FoundNetwork, want: WantedNetwork): string | undefined {
  if (found.Driver !== want.driver) return `is a ${found.Driver} network, not ${want.driver}`;
  if (want.attachable && !found.Attachable) return "is not attachable";
  for (const [k, v] of Object.entries(want.options ?? {})) {
    if (found.Options?.[k] !== v) return `lacks the option ${k}=${v}`;
  }
  return undefined;
}

/** Creates the network when it is missing; refuses one of that name that is not as wanted. */
export async function ensureNetwork(engine: Engine, want: WantedNetwork, who?: string): Promise<void> {
  const { name } = want;
  const nets = (await engine.request(
    "list the networks",
    (abortSignal) => engine.docker.listNetworks({ filters: { name: [name] }, abortSignal }),
    who,
  )) as FoundNetwork[];
  const found = nets.find((n) => n.Name === name); // the name filter matches substrings
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
    Labels: { [LABEL_MANAGED]: "true", [LABEL_NETWORK]: want.purpose },
  };
  try {
    await engine.call((abortSignal) => engine.docker.createNetwork({ ...create, abortSignal }));
  } catch (err) {
    if (statusCodeOf(err) !== 409) throw engine.failure(`create the network ${name}`, err, who); // 409: created meanwhile
  }
}

export const ISOLATED_BRIDGE: WantedNetwork = {
  name: ISOLATED_NETWORK,
  driver: "bridge",
  options: { [ICC_OPTION]: "false" },
  purpose: "isolated",
  remedy: "remove it once no container uses it, and Atrium creates it again with inter-container traffic off",
};
