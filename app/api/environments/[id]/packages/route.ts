import { environmentParams } from "@/lib/environments/schemas";
import { withUser } from "@/lib/http/with-user";
import { environmentPackages } from "@/lib/packages/environment-packages";
import { getSpawner } from "@/lib/runtime/spawner";

export const GET = withUser("packages:read", async (_req, { db, params }) => {
  return Response.json(await environmentPackages(db, getSpawner(), params.id));
}, environmentParams);
