import { createEnvironmentSchema, environmentLabels } from "@/lib/environments/schemas";
import { createEnvironment, environmentView, listEnvironmentsWithAvailability } from "@/lib/environments/manage";
import { readJson } from "@/lib/http/parse";
import { withAdmin, withUser } from "@/lib/http/with-user";
import { getSpawner } from "@/lib/runtime/spawner";

export const GET = withUser("account:read", async (_req, { db, principal }) => Response.json(await listEnvironmentsWithAvailability(db, getSpawner(), principal)));

export const POST = withAdmin(async (req, { db, principal }) => {
  const input = await readJson(req, createEnvironmentSchema, environmentLabels);
  const row = await createEnvironment(db, principal, input);
  const present = await getSpawner().imageInfo(row.image).then((i) => i.present).catch(() => false);
  return Response.json(environmentView(row, present), { status: 201 });
});
