/**
 * What the start-up log and the admin Servers page say about where workspaces are served, and why
 * letting admins into other people's workspaces on the portal's own origin is dangerous
 * (docs/workspace-origin.md).
 */
import type { AtriumConfig } from "@/lib/config";

export interface OriginNotice {
  level: "info" | "warn";
  text: string;
}

/** The last two labels: a rough registrable domain, enough to notice a shared parent ("example.com"). */
function parentOf(host: string): string | null {
  const labels = host.split(".");
  return labels.length >= 2 ? labels.slice(-2).join(".") : null;
}

export const ADMIN_ACCESS_DANGER =
  "ATRIUM_ADMIN_ACCESS=true while workspaces share the portal's origin: any script a person puts in her workspace (~/.jupyter/custom/custom.js, " +
  "a trusted notebook's output) runs with the rights of an admin who opens it, and can make her an admin or create API tokens for that admin. " +
  "Set ATRIUM_WORKSPACE_HOST to serve workspaces on their own origin instead.";

export function workspaceOriginNotice(config: Pick<AtriumConfig, "workspaceHost" | "adminAccess" | "publicUrl">): OriginNotice {
  const host = config.workspaceHost;
  if (host) {
    const portal = new URL(config.publicUrl).hostname.toLowerCase();
    const shared = parentOf(portal);
    if (shared !== null && shared === parentOf(host.domain)) {
      return {
        level: "warn",
        text:
          `Workspaces are served on their own origins under ${host.domain}, but it appears to share ${shared} with the portal (${portal}): ` +
          `a workspace's script can set cookies for ${shared} that the portal receives. Prefer a separate registrable domain for workspaces.`,
      };
    }
    return {
      level: "info",
      text: `Workspaces are served on their own origins, <label>.${host.domain} (ATRIUM_WORKSPACE_HOST); admins may open them.`,
    };
  }
  if (config.adminAccess) return { level: "warn", text: ADMIN_ACCESS_DANGER };
  return {
    level: "info",
    text: "Workspaces are served on the portal's origin, so admins cannot open other people's workspaces (set ATRIUM_WORKSPACE_HOST to allow it safely).",
  };
}
