import { stopServersSchema } from "@atrium/core/lib/admin/schemas";
import { stopServers } from "@atrium/core/lib/admin/servers-table";
import { readJson } from "@atrium/core/lib/http/parse";
import { withAdmin } from "@atrium/core/lib/http/with-user";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";

export const POST = withAdmin(async (req, { db, principal }) => {
  const { servers } = await readJson(req, stopServersSchema);
  return Response.json({ results: await stopServers(db, getSpawner(), principal, servers) });
});
