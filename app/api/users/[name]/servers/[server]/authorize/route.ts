import { parseWith } from "@atrium/core/lib/http/parse";
import { signInWhenUnauthorized } from "@atrium/core/lib/http/sign-in-redirect";
import { withUser } from "@atrium/core/lib/http/with-user";
import { authorizeWorkspace } from "@atrium/core/lib/workspaces/origin-auth";
import { serverAt } from "@atrium/core/lib/workspaces/query";
import { authorizeQuerySchema, serverParams } from "@atrium/core/lib/workspaces/schemas";

/**
 * The portal's step of the workspace-origin handshake: the browser arrives from the workspace origin,
 * signed in here, and leaves with a single-use code for that one server (docs/workspace-origin.md).
 * Not signed in: the sign-in page (a browser), or 401 (an API client).
 */
export const GET = signInWhenUnauthorized(
  withUser(
    "workspaces:access",
    async (req, { db, principal, params }) => {
      const query = parseWith(authorizeQuerySchema, Object.fromEntries(new URL(req.url).searchParams), "invalid_query");
      const location = await authorizeWorkspace(db, principal, { user: params.name, server: params.server }, query);
      return new Response(null, { status: 302, headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" } });
    },
    serverParams,
    { access: { action: "use", resource: serverAt } },
  ),
);
