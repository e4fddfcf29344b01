import { readJson, readQuery } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { createShareCode, deleteServerShareCodes, listServerShareCodes } from "@atrium/core/lib/sharing/codes";
import { codeCreateSchema, codeDeleteQuerySchema, sharedServerParams } from "@atrium/core/lib/sharing/schemas";
import { sharedServerAt } from "@atrium/core/lib/sharing/shares";

/** JupyterHub's /api/share-codes/{user}/{server} (docs/sharing.md): share links, made and seen by the owner or an admin. */
const server = sharedServerAt;
const refOf = (p: { user: string; server: string }) => ({ user: p.user, server: p.server });

export const GET = withUser(
  "servers",
  async (_req, { db, principal, params }) => {
    const items = await listServerShareCodes(db, principal, refOf(params));
    return Response.json({ items, _pagination: { offset: 0, limit: items.length, total: items.length, next: null } });
  },
  sharedServerParams,
  { access: { action: "read", resource: server } },
);

export const POST = withUser(
  "servers",
  async (req, { db, principal, params }) => {
    const input = await readJson(req, codeCreateSchema);
    return Response.json(await createShareCode(db, principal, refOf(params), input.expires_in), { status: 201 });
  },
  sharedServerParams,
  { access: { action: "write", resource: server } },
);

/** `?id=` or `?code=` deletes one link; neither deletes them all. */
export const DELETE = withUser(
  "servers",
  async (req, { db, principal, params }) => {
    const which = readQuery(req, codeDeleteQuerySchema);
    await deleteServerShareCodes(db, principal, refOf(params), which);
    return new Response(null, { status: 204 });
  },
  sharedServerParams,
  { access: { action: "write", resource: server } },
);
