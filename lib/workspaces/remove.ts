import type { Db } from "@/db/client";
import { deleteServer, findServer } from "@/db/queries/servers";
import { assertCan } from "@/lib/auth/access";
import { serverResourceAt } from "./query";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { conflict, notFound, refused } from "@/lib/http/api-error";
import { labelOf } from "./names";

const REMOVABLE = ["stopped", "failed"] as const;

/**
 * Deletes a stopped or failed server from the person's list. Nothing runs on the engine any more,
 * and the home volume is the person's, not the server's, so only the row goes. An active server is
 * a 409: it has to be stopped first. The actor must be allowed to operate it (lib/auth/access.ts).
 */
export async function removeServer(db: Db, actor: Principal, user: string, server: string): Promise<void> {
  assertCan(actor, "operate", await serverResourceAt(db, user, server), refused);
  const label = labelOf({ user, server });
  const row = await findServer(db, user, server);
  if (!row) throw notFound("server_not_found", `There is no server ${label}.`);
  const refuse = (status: string) => conflict("server_active", `The server ${label} is ${status}; stop it before deleting it.`);
  if (!(REMOVABLE as readonly string[]).includes(row.status)) throw refuse(row.status);
  // Conditional on the state: a start that came in between keeps its row.
  if (!(await deleteServer(db, user, server, [...REMOVABLE]))) {
    const now = await findServer(db, user, server);
    if (now) throw refuse(now.status);
    return; // deleted by a concurrent request
  }
  await recordAudit(db, { actor: actor.name, action: "server.delete", target: label, detail: {} });
}
