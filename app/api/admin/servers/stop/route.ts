import { stopServersSchema } from "@/lib/admin/schemas";
import { stopServers } from "@/lib/admin/servers-table";
import { readJson } from "@/lib/http/parse";
import { withAdmin } from "@/lib/http/with-user";
import { getSpawner } from "@/lib/runtime/spawner";

export const POST = withAdmin(async (req, { db, principal }) => {
  const { servers } = await readJson(req, stopServersSchema);
  return Response.json({ results: await stopServers(db, getSpawner(), principal, servers) });
});
