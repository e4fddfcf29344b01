import { sseResponse } from "@atrium/core/lib/http/sse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { getServer, serverAt } from "@atrium/core/lib/workspaces/query";
import { progressEvents } from "@atrium/core/lib/workspaces/progress";
import { serverParams } from "@atrium/core/lib/workspaces/schemas";

export const GET = withUser(
  "servers",
  async (req, { db, params }) => {
    await getServer(db, params.name, params.server);
    const abort = new AbortController();
    req.signal.addEventListener("abort", () => abort.abort());
    return sseResponse(progressEvents(db, params.name, params.server, abort.signal), abort);
  },
  serverParams,
  { access: { action: "read", resource: serverAt } },
);
