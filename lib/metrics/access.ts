import { BlockList, isIP } from "node:net";
import type { AtriumConfig } from "@/lib/config";
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

/**
 * Who may scrape /metrics, as JupyterHub guards its own: ATRIUM_METRICS_TOKEN (sent as a bearer
 * token) and/or ATRIUM_METRICS_ALLOW (IP addresses and CIDR ranges, checked by lib/config). With
 * neither, loopback only.
 */
export function metricsAccess({ token, allow: listed }: AtriumConfig["metrics"]): MetricsAccess {
  const entries = listed.length === 0 && !token ? ["127.0.0.1", "::1"] : listed;
  const allow = new BlockList();
  for (const entry of entries) {
    const [addr = "", bits] = entry.split("/");
    const type = isIP(addr) === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) allow.addAddress(addr, type);
    else allow.addSubnet(addr, Number(bits), type);
  }
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
