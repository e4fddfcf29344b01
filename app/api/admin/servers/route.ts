import { listActiveServers } from "@/lib/admin/servers-table";
import { withAdmin } from "@/lib/http/with-user";
import { getSpawner } from "@/lib/runtime/spawner";

export const GET = withAdmin(async (_req, { db }) => Response.json(await listActiveServers(db, getSpawner(), { live: true })));
