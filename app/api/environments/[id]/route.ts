import { changeEnvironment, environmentWithAvailability, removeEnvironment } from "@atrium/core/lib/environments/manage";
import { environmentLabels, environmentParams, updateEnvironmentSchema } from "@atrium/core/lib/environments/schemas";
import { readJson } from "@atrium/core/lib/http/parse";
import { withAdmin } from "@atrium/core/lib/http/with-user";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";

export const PUT = withAdmin(async (req, { db, principal, params }) => {
  const input = await readJson(req, updateEnvironmentSchema, environmentLabels);
  const row = await changeEnvironment(db, principal, params.id, input);
  return Response.json(await environmentWithAvailability(getSpawner(), row));
}, environmentParams);

export const DELETE = withAdmin(async (_req, { db, principal, params }) => {
  await removeEnvironment(db, principal, params.id);
  return new Response(null, { status: 204 });
}, environmentParams);
