/**
 * Workspaces on their own origin (ATRIUM_WORKSPACE_HOST), as JupyterHub's subdomain_host does: each
 * server answers at `<scheme>://<label>.<domain>/user/<name>/<server>/`, so a script in one person's
 * workspace runs on an origin of its own and can neither read the portal's pages nor ride its cookie
 * (docs/workspace-origin.md).
 */
import { createHash } from "node:crypto";
import type { WorkspaceHost } from "@/lib/config";

export type { WorkspaceHost };

export interface ServerRefLike {
  user: string;
  server: string;
}

/** One DNS label holding only letters, digits and single inner hyphens. */
const PLAIN_PART_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const MAX_LABEL = 63;
const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

function base32(bytes: Uint8Array): string {
  let out = "";
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/**
 * The DNS label of a server: injective over (user, server) and always a valid label (≤ 63 characters
 * of [a-z0-9-], no hyphen at either end).
 *
 * - Plain form `<user>--<server>` when both are letters and digits joined by single hyphens: neither
 *   part can contain "--" or start or end with "-", so the one "--" splits the label unambiguously.
 * - Otherwise (a "." or "_" in the user name, a "--", too long) a hashed form: a readable prefix of the
 *   user name and 32 base32 characters (160 bits) of SHA-256 over "user/server" ("/" is in neither
 *   name). It never contains "--", so it never equals a plain label.
 * - A plain label with "--" in 3rd and 4th place ("xn--...") would be read as an IDN (punycode) label by
 *   browsers, so that case takes the hashed form too.
 */
export function workspaceLabel(user: string, server: string): string {
  const plain = `${user}--${server}`;
  if (PLAIN_PART_RE.test(user) && PLAIN_PART_RE.test(server) && plain.length <= MAX_LABEL && plain.slice(2, 4) !== "--") {
    return plain;
  }
  const digest = base32(createHash("sha256").update(`${user}/${server}`).digest()).slice(0, 32);
  const readable = user
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 20)
    .replace(/-+$/, "");
  return readable ? `${readable}-${digest}` : digest;
}

/** `<scheme>://<label>.<domain>[:port]`, no trailing slash. */
export function workspaceOrigin(host: WorkspaceHost, ref: ServerRefLike): string {
  return `${host.scheme}://${workspaceLabel(ref.user, ref.server)}.${host.domain}${host.port ? `:${host.port}` : ""}`;
}

/**
 * Where a request's Host header points: "portal" for anything outside the workspace domain, else the
 * one label in front of it (null: the bare domain or more than one label, which no server has).
 * The port is not compared: behind a reverse proxy the Host may carry the listening port or none.
 */
export function classifyHost(
  host: WorkspaceHost,
  hostHeader: string | undefined,
): { kind: "portal" } | { kind: "workspace"; label: string | null } {
  if (!hostHeader) return { kind: "portal" };
  const name = hostHeader.trim().toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
  if (name === host.domain) return { kind: "workspace", label: null };
  if (!name.endsWith(`.${host.domain}`)) return { kind: "portal" };
  const label = name.slice(0, -(host.domain.length + 1));
  return { kind: "workspace", label: label.includes(".") || label === "" ? null : label };
}
