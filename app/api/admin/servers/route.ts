import { listActiveServers } from "@atrium/core/lib/admin/servers-table";
import { withAdmin } from "@atrium/core/lib/http/with-user";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";

export const GET = withAdmin(async (_req, { db }) => Response.json(await listActiveServers(db, getSpawner(), { live: true })));
