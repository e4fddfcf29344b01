import { tokensAt } from "@atrium/core/lib/auth/owner-named";
import { withUser } from "@atrium/core/lib/http/with-user";
import { revokeApiToken } from "@atrium/core/lib/tokens/manage";
import { tokenParams } from "@atrium/core/lib/users/schemas";

export const DELETE = withUser(
  "tokens",
  async (_req, { db, principal, params }) => {
    await revokeApiToken(db, principal, params.name, params.id);
    return new Response(null, { status: 204 });
  },
  tokenParams,
  { access: { action: "write", resource: tokensAt } },
);
