import { BlockList, isIP } from "node:net";
import { ConfigError } from "@/lib/config";
import { constantTimeEqual, tokenFromAuthorization } from "@/lib/auth/tokens";

export interface MetricsAccess {
  token?: string;
  allow: BlockList;
  /** What the allow-list says, for the start-up log. */
  describe: string;
}

/** ::ffff:10.0.0.1 (an IPv4 client on a dual-stack socket) is 10.0.0.1. */
function plainAddress(addr: string): string {
  return addr.startsWith("::ffff:") && isIP(addr.slice(7)) === 4 ? addr.slice(7) : addr;
}

function addEntry(list: BlockList, entry: string): void {
  const [addr = "", bits] = entry.split("/");
  const family = isIP(addr);
  if (!family) throw new ConfigError(`ATRIUM_METRICS_ALLOW is invalid: "${entry}" is not an IP address or CIDR range.`);
  const type = family === 4 ? "ipv4" : "ipv6";
  if (bits === undefined) return list.addAddress(addr, type);
  const prefix = Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
    throw new ConfigError(`ATRIUM_METRICS_ALLOW is invalid: "${entry}" has a bad prefix length.`);
  }
  list.addSubnet(addr, prefix, type);
}

/**
 * Who may scrape /metrics, as JupyterHub guards its own: ATRIUM_METRICS_TOKEN (sent as a bearer
 * token) and/or ATRIUM_METRICS_ALLOW (IP addresses and CIDR ranges). With neither, loopback only.
 */
export function readMetricsAccess(env: Record<string, string | undefined> = process.env): MetricsAccess {
  const token = env.ATRIUM_METRICS_TOKEN?.trim() || undefined;
  if (token && token.length < 16) throw new ConfigError("ATRIUM_METRICS_TOKEN is invalid: it must be at least 16 characters.");
  const entries = (env.ATRIUM_METRICS_ALLOW ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const allow = new BlockList();
  if (entries.length === 0 && !token) entries.push("127.0.0.1", "::1");
  for (const e of entries) addEntry(allow, e);
  return {
    token,
    allow,
    describe: [token ? "a bearer token" : "", entries.length ? `addresses ${entries.join(", ")}` : ""].filter(Boolean).join(" or "),
  };
}

export type MetricsDecision = "allowed" | "unauthorized" | "forbidden";

export function decideMetricsAccess(
  access: MetricsAccess,
  req: { authorization: string | null; remoteAddress: string | undefined },
): MetricsDecision {
  const addr = req.remoteAddress ? plainAddress(req.remoteAddress) : undefined;
  const family = addr ? isIP(addr) : 0;
  if (addr && family && access.allow.check(addr, family === 4 ? "ipv4" : "ipv6")) return "allowed";
  const sent = tokenFromAuthorization(req.authorization);
  if (access.token && sent && constantTimeEqual(sent, access.token)) return "allowed";
  return access.token ? "unauthorized" : "forbidden";
}
