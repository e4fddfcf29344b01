import { tokensAt } from "@atrium/core/lib/auth/owner-named";
import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { createApiToken, listApiTokens } from "@atrium/core/lib/users/tokens";
import { createTokenLabels, createTokenSchema, userParams } from "@atrium/core/lib/users/schemas";

export const GET = withUser("tokens", async (_req, { db, params }) => Response.json(await listApiTokens(db, params.name)), userParams, {
  access: { action: "read", resource: tokensAt },
});

export const POST = withUser(
  "tokens",
  async (req, { db, principal, params }) => {
    const input = await readJson(req, createTokenSchema, createTokenLabels);
    return Response.json(await createApiToken(db, principal, params.name, input), { status: 201 });
  },
  userParams,
  { access: { action: "write", resource: tokensAt } },
);
