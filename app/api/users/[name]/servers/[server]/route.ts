import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { getServer, serverAt } from "@atrium/core/lib/workspaces/query";
import { removeServer } from "@atrium/core/lib/workspaces/remove";
import { serverParams, startServerLabels, startServerSchema, stopServerSchema } from "@atrium/core/lib/workspaces/schemas";
import { startServer } from "@atrium/core/lib/workspaces/start";
import { stopServer } from "@atrium/core/lib/workspaces/stop";

export const GET = withUser(
  "servers",
  async (_req, { db, params }) => Response.json(await getServer(db, params.name, params.server)),
  serverParams,
  { access: { action: "read", resource: serverAt } },
);

export const POST = withUser(
  "servers",
  async (req, { db, principal, params }) => {
    const ask = await readJson(req, startServerSchema, startServerLabels);
    return Response.json(await startServer(db, getSpawner(), principal, params.name, params.server, ask), { status: 202 });
  },
  serverParams,
  { access: { action: "operate", resource: serverAt } },
);

export const DELETE = withUser(
  "servers",
  async (req, { db, principal, params }) => {
    const { remove } = await readJson(req, stopServerSchema);
    if (remove) {
      await removeServer(db, principal, params.name, params.server);
      return new Response(null, { status: 204 });
    }
    return Response.json(await stopServer(db, getSpawner(), principal, params.name, params.server), { status: 202 });
  },
  serverParams,
  { access: { action: "operate", resource: serverAt } },
);
