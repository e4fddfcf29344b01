import { readJson, readQuery } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { listing } from "@atrium/core/lib/sharing/view";
import { createShareCode, deleteServerShareCodes, listServerShareCodes } from "@atrium/core/lib/sharing/codes";
import { codeCreateSchema, codeDeleteQuerySchema, sharedServerParams } from "@atrium/core/lib/sharing/schemas";
import { sharedServerAt } from "@atrium/core/lib/sharing/shares";

/** JupyterHub's /api/share-codes/{user}/{server} (docs/sharing.md): share links, made and seen by the owner or an admin. */
export const GET = withUser(
  "servers",
  async (_req, { db, principal, params }) => {
    const items = await listServerShareCodes(db, principal, params);
    return Response.json(listing(items));
  },
  sharedServerParams,
  { access: { action: "read", resource: sharedServerAt } },
);

export const POST = withUser(
  "servers",
  async (req, { db, principal, params }) => {
    const input = await readJson(req, codeCreateSchema);
    return Response.json(await createShareCode(db, principal, params, input.expires_in), { status: 201 });
  },
  sharedServerParams,
  { access: { action: "write", resource: sharedServerAt } },
);

/** `?id=` or `?code=` deletes one link; neither deletes them all. */
export const DELETE = withUser(
  "servers",
  async (req, { db, principal, params }) => {
    const which = readQuery(req, codeDeleteQuerySchema);
    await deleteServerShareCodes(db, principal, params, which);
    return new Response(null, { status: 204 });
  },
  sharedServerParams,
  { access: { action: "write", resource: sharedServerAt } },
);
