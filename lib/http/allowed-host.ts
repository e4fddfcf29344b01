/**
 * DNS rebinding: a page on `rebind.attacker.example`, whose name the attacker then points at 127.0.0.1
 * (or at the portal's address on a company network), is same-origin with whatever answers there. Its
 * requests carry `Host: rebind.attacker.example`, and the CSRF rule (`same-origin.ts`) trusts the
 * request's own Host, so without this check such a page could use the development sign-in as `admin`
 * and read the answers. The portal therefore answers only to the names it is known by:
 *
 * - the host of `ATRIUM_PUBLIC_URL`, and of `ATRIUM_WORKSPACE_PORTAL_URL` (`host.docker.internal` by
 *   default: notebooks log to MLflow through it);
 * - `ATRIUM_WORKSPACE_HOST`'s domain and the names under it (the workspace proxy decides on the label);
 * - the names in `ATRIUM_ALLOWED_HOSTS` (`*.example.com` or `.example.com` for a domain and every name under it);
 * - IP literals, `localhost` and `*.localhost`: a browser sends such a Host only for a page loaded from that
 *   address itself, because no DNS answer is involved that an attacker could change. So load balancers'
 *   and probes' health checks (which name the instance by address) and `http://127.0.0.1:<port>` keep working,
 *   and `/api/health` needs no exception.
 *
 * The port is not compared: rebinding changes the address behind a name, never the name a browser sends.
 */
import { isIP } from "node:net";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import type { AtriumConfig } from "@/lib/config";
import { wantsHtml } from "@/lib/proxy/headers";
import { rejectUpgrade, sendError, type ProxyError } from "@/lib/proxy/replies";

export interface HostAllowList {
  /** Exact names, lower case, without port or trailing dot. */
  names: Set<string>;
  /** Domains whose every sub-name is allowed, and the domain itself. */
  domains: string[];
}

type HostSources = Pick<AtriumConfig, "publicUrl" | "workspacePortalUrl" | "workspaceHost" | "allowedHosts">;

function hostnameOf(url: string): string {
  return new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, "");
}

export function hostAllowList(config: HostSources): HostAllowList {
  const names = new Set(["localhost", hostnameOf(config.publicUrl), hostnameOf(config.workspacePortalUrl)]);
  const domains = ["localhost"];
  if (config.workspaceHost) domains.push(config.workspaceHost.domain);
  for (const entry of config.allowedHosts) {
    const wildcard = /^(?:\*\.|\.)(.+)$/.exec(entry);
    if (wildcard?.[1]) domains.push(wildcard[1]);
    else names.add(entry);
  }
  return { names, domains };
}

/** The name in a Host header, lower case, without port, brackets or trailing dot; null when it is no host name. */
export function hostName(header: string | undefined): string | null {
  if (!header) return null;
  const value = header.trim().toLowerCase();
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed?.[1]) return isIP(bracketed[1]) === 6 ? bracketed[1] : null;
  const plain = /^([a-z0-9_.-]+?)\.?(?::\d{1,5})?$/.exec(value);
  return plain?.[1] ?? null;
}

export function isAllowedHost(list: HostAllowList, header: string | undefined): boolean {
  const name = hostName(header);
  if (name === null) return false;
  if (isIP(name) !== 0 || list.names.has(name)) return true;
  return list.domains.some((domain) => name === domain || name.endsWith(`.${domain}`));
}

/** 421 with one sentence; the Host is echoed shortened (a header may be 16 KiB). */
function misdirected(header: string | undefined): ProxyError {
  return {
    status: 421,
    error: "misdirected_request",
    message: `This portal does not answer to the host name "${(header ?? "").slice(0, 100)}": open it at its own address, or ask its operator to add the name to ATRIUM_ALLOWED_HOSTS.`,
    title: "Wrong address for this portal",
  };
}

/**
 * The check `server.ts` makes before anything else, on every request and every upgrade: true when it
 * answered 421 (Misdirected Request) itself.
 */
export function createHostGuard(config: HostSources): {
  refusedRequest(req: IncomingMessage, res: ServerResponse): boolean;
  refusedUpgrade(req: IncomingMessage, socket: Duplex): boolean;
} {
  const list = hostAllowList(config);
  return {
    refusedRequest(req, res) {
      if (isAllowedHost(list, req.headers.host)) return false;
      sendError(res, misdirected(req.headers.host), wantsHtml(req.method, req.headers) ? { pageHome: config.publicUrl } : {});
      return true;
    },
    refusedUpgrade(req, socket) {
      if (isAllowedHost(list, req.headers.host)) return false;
      rejectUpgrade(socket, misdirected(req.headers.host));
      return true;
    },
  };
}
