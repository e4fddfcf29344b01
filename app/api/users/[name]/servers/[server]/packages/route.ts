import { getConfig } from "@atrium/core/lib/config";
import { readJson } from "@atrium/core/lib/http/parse";
import { sseResponse } from "@atrium/core/lib/http/sse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { catalogFor } from "@atrium/core/lib/packages/catalog";
import { startInstall } from "@atrium/core/lib/packages/install";
import { listInstalled } from "@atrium/core/lib/packages/installed";
import { installRequestLabels, installRequestSchema } from "@atrium/core/lib/packages/schemas";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { serverWithTokenAt } from "@atrium/core/lib/workspaces/query";
import { serverParams } from "@atrium/core/lib/workspaces/schemas";

/** What pip sees in the workspace, with whether each package lives in the home volume. */
export const GET = withUser(
  "servers:install",
  async (_req, { db, principal, params }) => Response.json(await listInstalled(db, getSpawner(), principal, params.name, params.server)),
  serverParams,
  { access: { action: "read", resource: serverWithTokenAt } },
);

/** Installs with pip inside the workspace; pip's output streams back as Server-Sent Events. */
export const POST = withUser(
  "servers:install",
  async (req, { db, principal, params }) => {
    const ask = await readJson(req, installRequestSchema, installRequestLabels);
    const config = getConfig();
    const catalog = config.pypiIndexUrl ? catalogFor(config.pypiIndexUrl) : undefined;
    const events = await startInstall(db, getSpawner(), principal, params.name, params.server, ask, config.workspacePipIndexUrl, catalog);
    return sseResponse(events, new AbortController());
  },
  serverParams,
  { access: { action: "operate", resource: serverWithTokenAt } },
);
