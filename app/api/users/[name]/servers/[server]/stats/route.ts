import { withUser } from "@atrium/core/lib/http/with-user";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { serverAt } from "@atrium/core/lib/workspaces/query";
import { serverParams } from "@atrium/core/lib/workspaces/schemas";
import { getServerStats } from "@atrium/core/lib/workspaces/stats";

/** Live CPU (cores) and memory (bytes) of a running server, with its allocation. Takes about a second. */
export const GET = withUser(
  "servers",
  async (_req, { db, params }) =>
    Response.json(await getServerStats(db, getSpawner(), params.name, params.server), { headers: { "cache-control": "no-store" } }),
  serverParams,
  { access: { action: "read", resource: serverAt } },
);
