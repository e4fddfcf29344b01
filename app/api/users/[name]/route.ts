import { readJson } from "@/lib/http/parse";
import { withAdmin } from "@/lib/http/with-user";
import { changeUser, getUserOrThrow, removeUser } from "@/lib/users/manage";
import { patchUserSchema, userParams } from "@/lib/users/schemas";
import { userView } from "@/lib/users/view";

export const GET = withAdmin(async (_req, { db, params }) => Response.json(userView(await getUserOrThrow(db, params.name))), userParams);

export const PATCH = withAdmin(async (req, { db, principal, params }) => {
  const patch = await readJson(req, patchUserSchema);
  return Response.json(userView(await changeUser(db, principal, params.name, patch)));
}, userParams);

export const DELETE = withAdmin(async (_req, { db, principal, params }) => {
  await removeUser(db, principal, params.name);
  return new Response(null, { status: 204 });
}, userParams);
