import { getConfig } from "@/lib/config";
import type { ServerRef } from "./paths";
import { workspaceOrigin } from "./workspace-host";

export type { ServerRef } from "./paths";

export const baseUrlOf = (ref: ServerRef) => `/user/${ref.user}/${ref.server}/`;
export const labelOf = (ref: ServerRef) => `${ref.user}/${ref.server}`;

/** Where people open a server: on its own origin with ATRIUM_WORKSPACE_HOST, else the portal's path. */
export function workspaceAddress(ref: ServerRef): string {
  const host = getConfig().workspaceHost;
  return host ? `${workspaceOrigin(host, ref)}${baseUrlOf(ref)}` : baseUrlOf(ref);
}
