import type { Db } from "@/db/client";
import { findServer } from "@/db/queries/servers";
import type { ScopedCaller } from "@/lib/auth/scopes";
import { ApiError, conflict, notFound } from "@/lib/http/api-error";
import { EngineUnavailableError, OtherNodeError, OutputLimitError, ServerNotRunningError } from "@/lib/spawner";

/**
 * A workspace's token may act only on the server it was made for (servers.tracking_token_id names
 * it); another server of the same person, or one that does not exist, is a 403 before anything else.
 */
export function assertServerOfToken(
  caller: ScopedCaller,
  user: string,
  server: string,
  row: { trackingTokenId: string | null } | undefined,
): void {
  if (caller.via !== "token" || caller.tokenKind !== "workspace") return;
  if (row && caller.tokenId !== undefined && row.trackingTokenId === caller.tokenId) return;
  throw new ApiError(403, "insufficient_scope", `This workspace's token may act only on its own server, not on ${user}/${server}.`);
}

/**
 * The workspace must exist and be running before pip can run in it; a sentence otherwise. A workspace's
 * own token is refused any other server first (and so learns nothing about whether it exists).
 */
export async function requireRunningWorkspace(db: Db, caller: ScopedCaller, user: string, server: string) {
  const row = await findServer(db, user, server);
  assertServerOfToken(caller, user, server, row);
  if (!row) throw notFound("server_not_found", `There is no server ${user}/${server}.`);
  if (row.status !== "running") {
    throw conflict("server_not_running", `The workspace ${user}/${server} is ${row.status}, not running; start it first.`);
  }
  return row;
}

/** Errors of spawner.exec as API errors a person can act on. */
export function execError(err: unknown, user: string, server: string): unknown {
  if (err instanceof ServerNotRunningError)
    return conflict("server_not_running", `The workspace ${user}/${server} is not running; start it first.`);
  if (err instanceof EngineUnavailableError) return new ApiError(503, "engine_unavailable", err.message);
  if (err instanceof OtherNodeError) return new ApiError(501, "other_node", err.message);
  if (err instanceof OutputLimitError) return new ApiError(502, "output_limit", err.message);
  return err;
}
