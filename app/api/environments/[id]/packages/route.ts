import { environmentParams } from "@atrium/core/lib/environments/schemas";
import { withUser } from "@atrium/core/lib/http/with-user";
import { environmentPackages } from "@atrium/core/lib/packages/environment-packages";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";

export const GET = withUser(
  "packages:read",
  async (_req, { db, params }) => {
    return Response.json(await environmentPackages(db, getSpawner(), params.id));
  },
  environmentParams,
);
