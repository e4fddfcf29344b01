import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { listing } from "@atrium/core/lib/sharing/view";
import { sharePatchSchema, shareCreateSchema, shareDeleteSchema, sharedServerParams } from "@atrium/core/lib/sharing/schemas";
import { listServerShares, patchShare, revokeShares, sharedServerAt, shareServer } from "@atrium/core/lib/sharing/shares";

/** JupyterHub's /api/shares/{user}/{server} (docs/sharing.md): only the server's owner or an admin. */
export const GET = withUser(
  "servers",
  async (_req, { db, principal, params }) => {
    const items = await listServerShares(db, principal, params);
    return Response.json(listing(items));
  },
  sharedServerParams,
  { access: { action: "read", resource: sharedServerAt } },
);

export const POST = withUser(
  "servers",
  async (req, { db, principal, params }) => {
    const input = await readJson(req, shareCreateSchema);
    const { share, created } = await shareServer(db, principal, params, input);
    return Response.json(share, { status: created ? 201 : 200 });
  },
  sharedServerParams,
  { access: { action: "write", resource: sharedServerAt } },
);

export const PATCH = withUser(
  "servers",
  async (req, { db, principal, params }) => {
    const input = await readJson(req, sharePatchSchema);
    return Response.json((await patchShare(db, principal, params, input)) ?? {});
  },
  sharedServerParams,
  { access: { action: "write", resource: sharedServerAt } },
);

export const DELETE = withUser(
  "servers",
  async (req, { db, principal, params }) => {
    const input = await readJson(req, shareDeleteSchema);
    const one = "user" in input ? { user: input.user } : "group" in input ? { group: input.group } : undefined;
    await revokeShares(db, principal, params, one);
    return new Response(null, { status: 204 });
  },
  sharedServerParams,
  { access: { action: "write", resource: sharedServerAt } },
);
