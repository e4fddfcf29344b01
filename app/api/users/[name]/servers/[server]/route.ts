import { readJson } from "@atrium/core/lib/http/parse";
import { assertSelfOrAdmin, withUser } from "@atrium/core/lib/http/with-user";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { getServer } from "@atrium/core/lib/workspaces/query";
import { removeServer } from "@atrium/core/lib/workspaces/remove";
import { serverParams, startServerLabels, startServerSchema, stopServerSchema } from "@atrium/core/lib/workspaces/schemas";
import { startServer } from "@atrium/core/lib/workspaces/start";
import { stopServer } from "@atrium/core/lib/workspaces/stop";

export const GET = withUser(
  "servers",
  async (_req, { db, principal, params }) => {
    assertSelfOrAdmin(principal, params.name);
    return Response.json(await getServer(db, params.name, params.server));
  },
  serverParams,
);

export const POST = withUser(
  "servers",
  async (req, { db, principal, params }) => {
    assertSelfOrAdmin(principal, params.name);
    const ask = await readJson(req, startServerSchema, startServerLabels);
    return Response.json(await startServer(db, getSpawner(), principal, params.name, params.server, ask), { status: 202 });
  },
  serverParams,
);

export const DELETE = withUser(
  "servers",
  async (req, { db, principal, params }) => {
    assertSelfOrAdmin(principal, params.name);
    const { remove } = await readJson(req, stopServerSchema);
    if (remove) {
      await removeServer(db, principal, params.name, params.server);
      return new Response(null, { status: 204 });
    }
    return Response.json(await stopServer(db, getSpawner(), principal, params.name, params.server), { status: 202 });
  },
  serverParams,
);
