import { createEnvironmentSchema, environmentLabels } from "@atrium/core/lib/environments/schemas";
import { createEnvironment, environmentWithAvailability, listEnvironmentsWithAvailability } from "@atrium/core/lib/environments/manage";
import { readJson } from "@atrium/core/lib/http/parse";
import { withAdmin, withUser } from "@atrium/core/lib/http/with-user";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";

export const GET = withUser("account:read", async (_req, { db, principal }) =>
  Response.json(await listEnvironmentsWithAvailability(db, getSpawner(), principal)),
);

export const POST = withAdmin(async (req, { db, principal }) => {
  const input = await readJson(req, createEnvironmentSchema, environmentLabels);
  const row = await createEnvironment(db, principal, input);
  return Response.json(await environmentWithAvailability(getSpawner(), row), { status: 201 });
});
