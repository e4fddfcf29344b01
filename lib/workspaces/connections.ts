/**
 * The workspace proxy's open WebSockets, as route handlers reach them (one proxy per process, server.ts):
 * a WebSocket is authorized once, at its handshake, so a revoked share must close the ones it let in.
 * Only this process's are reached; another replica's close when their caller reconnects (docs/sharing.md).
 */
import type { Db } from "@/db/client";
import { can } from "@/lib/auth/access";
import { partKey, runtime } from "@/lib/runtime/context";
import type { ServerRef } from "./names";
import type { WorkspaceUpstream } from "./proxy-policy";
import { serverResourceAt } from "./query";
import { forgetWorkspaceTarget } from "./target";

type Closer = (match: (upstream: WorkspaceUpstream) => boolean) => number;
const CLOSER = partKey<{ close: Closer }>("workspace WebSocket closer");
const closer = () => runtime.part(CLOSER, () => ({ close: () => 0 }));

/** server.ts hands over its workspace proxy's closeWebSockets. */
export function setWorkspaceWebSocketCloser(close: Closer): void {
  closer().close = close;
}

/**
 * After a change to who may use `ref` (a share revoked): the proxy looks the server up again, and every open
 * WebSocket to it whose caller may no longer use it is closed now. Returns how many were closed.
 */
export async function closeRevokedConnections(db: Db, ref: ServerRef): Promise<number> {
  forgetWorkspaceTarget(db, ref.user, ref.server);
  const resource = await serverResourceAt(db, ref.user, ref.server);
  return closer().close(
    (upstream) => upstream.ref.user === ref.user && upstream.ref.server === ref.server && !can(upstream.caller, "use", resource),
  );
}
