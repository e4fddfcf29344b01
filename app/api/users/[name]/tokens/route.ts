import { readJson } from "@atrium/core/lib/http/parse";
import { assertSelfOrAdmin, withUser } from "@atrium/core/lib/http/with-user";
import { createApiToken, listApiTokens } from "@atrium/core/lib/users/tokens";
import { createTokenLabels, createTokenSchema, userParams } from "@atrium/core/lib/users/schemas";

export const GET = withUser(
  "tokens",
  async (_req, { db, principal, params }) => {
    assertSelfOrAdmin(principal, params.name);
    return Response.json(await listApiTokens(db, params.name));
  },
  userParams,
);

export const POST = withUser(
  "tokens",
  async (req, { db, principal, params }) => {
    assertSelfOrAdmin(principal, params.name);
    const input = await readJson(req, createTokenSchema, createTokenLabels);
    return Response.json(await createApiToken(db, principal, params.name, input), { status: 201 });
  },
  userParams,
);
