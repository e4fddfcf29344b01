import { assertSelfOrAdmin, withUser } from "@/lib/http/with-user";
import { getSpawner } from "@/lib/runtime/spawner";
import { serverParams } from "@/lib/workspaces/schemas";
import { getServerStats } from "@/lib/workspaces/stats";

/** Live CPU (cores) and memory (bytes) of a running server, with its allocation. Takes about a second. */
export const GET = withUser("servers", async (_req, { db, principal, params }) => {
  assertSelfOrAdmin(principal, params.name);
  return Response.json(await getServerStats(db, getSpawner(), params.name, params.server), { headers: { "cache-control": "no-store" } });
}, serverParams);
