/** The workspace proxy policy's own refusals (lib/workspaces/proxy-policy.ts); the shared ones are in lib/proxy/replies.ts. */
import { proxyError } from "@/lib/proxy/replies";

/**
 * Someone who may not use the workspace at all. `adminsMayOpen`: whether an admin could open it the way the
 * caller came (a browser session reaches others' workspaces only with ATRIUM_ADMIN_ACCESS or on their own
 * origin); the sentence must not promise what the caller's admin could not do.
 */
export const forbiddenWorkspace = (user: string, adminsMayOpen: boolean) =>
  proxyError(
    403,
    "forbidden",
    adminsMayOpen ? `Only ${user} or an admin may open this workspace.` : `Only ${user} may open this workspace.`,
    "This workspace is not yours",
  );

/** JupyterHub's admin_access, off by default: see docs/workspace-origin.md. */
export const adminAccessOff = (user: string) =>
  proxyError(
    403,
    "admin_access_disabled",
    `This workspace belongs to ${user}. Workspaces share the portal's origin on this installation, so a script in it would run with your admin rights; ` +
      "an operator can serve workspaces on their own origin (ATRIUM_WORKSPACE_HOST) or, knowing the risk, set ATRIUM_ADMIN_ACCESS=true.",
    "Admins cannot open other people's workspaces here",
  );

/** A share on the portal's origin would let the owner's scripts act as the visitor: shares need a workspace host (docs/sharing.md). */
export const sharedNeedsWorkspaceHost = (user: string) =>
  proxyError(
    403,
    "workspace_host_required",
    `${user} shared this workspace with you, but workspaces share the portal's origin on this installation, so a script in it would act as you; ` +
      "shared workspaces open only when an operator serves workspaces on their own origin (ATRIUM_WORKSPACE_HOST).",
    "Shared workspaces cannot be opened here",
  );

export const wrongWorkspaceHost = () =>
  proxyError(404, "not_found", "This address serves one workspace only, and not the one in the path.");

export const badHandshake = () =>
  proxyError(
    400,
    "invalid_code",
    "The workspace sign-in code is unknown, used or expired; open the workspace again from the portal.",
    "This sign-in link has expired",
  );

export const servedElsewhere = (origin: string) =>
  proxyError(404, "not_found", `Workspaces are served at ${origin}, not on the portal's address.`);

export const crossSite = () => proxyError(403, "forbidden", "Cross-site requests to a workspace are not allowed.");

export const notRunning = (user: string, server: string) =>
  proxyError(503, "server_not_running", `The server ${user}/${server} is not running; start it first.`);

export const notAWorkspace = () => proxyError(404, "not_found", "Workspace addresses look like /user/<name>/<server>/.");

export const portalUnavailable = () =>
  proxyError(503, "unavailable", "The portal cannot check access to this workspace right now; try again shortly.");
