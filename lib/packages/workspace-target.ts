import type { Db } from "@/db/client";
import { findServerAndOwner } from "@/db/queries/servers";
import { assertCan, serverResource, type Caller } from "@/lib/auth/access";
import { ApiError, conflict, notFound, refused } from "@/lib/http/api-error";
import { EngineUnavailableError, OtherNodeError, OutputLimitError, NotRunningError } from "@/lib/spawner";

/**
 * The workspace must exist and be running before pip can run in it; a sentence otherwise. The caller
 * must be allowed to operate it (lib/auth/access.ts): a workspace's own token is refused any other
 * server first, and so learns nothing about whether it exists.
 */
export async function requireRunningWorkspace(db: Db, caller: Caller, user: string, server: string) {
  const found = await findServerAndOwner(db, user, server);
  const row = found?.server;
  assertCan(caller, "operate", serverResource({ user, server, ownerId: found?.ownerId ?? null }, row?.trackingTokenId ?? null), refused);
  if (!row) throw notFound("server_not_found", `There is no server ${user}/${server}.`);
  if (row.status !== "running") {
    throw conflict("server_not_running", `The workspace ${user}/${server} is ${row.status}, not running; start it first.`);
  }
  return row;
}

/** Errors of spawner.exec as API errors a person can act on. */
export function execError(err: unknown, user: string, server: string): unknown {
  if (err instanceof NotRunningError)
    return conflict("server_not_running", `The workspace ${user}/${server} is not running; start it first.`);
  if (err instanceof EngineUnavailableError) return new ApiError(503, "engine_unavailable", err.message);
  if (err instanceof OtherNodeError) return new ApiError(501, "other_node", err.message);
  if (err instanceof OutputLimitError) return new ApiError(502, "output_limit", err.message);
  return err;
}
