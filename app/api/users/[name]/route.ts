import { readJson, readQuery } from "@atrium/core/lib/http/parse";
import { withAdmin } from "@atrium/core/lib/http/with-user";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { changeUser, getUserOrThrow, removeUser } from "@atrium/core/lib/users/manage";
import { deleteUserQuerySchema, patchUserLabels, patchUserSchema, userParams } from "@atrium/core/lib/users/schemas";
import { userView } from "@atrium/core/lib/users/view";

export const GET = withAdmin(async (_req, { db, params }) => Response.json(userView(await getUserOrThrow(db, params.name))), userParams);

export const PATCH = withAdmin(async (req, { db, principal, params }) => {
  const patch = await readJson(req, patchUserSchema, patchUserLabels);
  return Response.json(userView(await changeUser(db, principal, params.name, patch)));
}, userParams);

/** `?volume=keep` (the default) or `?volume=remove`; answers what went with her. */
export const DELETE = withAdmin(async (req, { db, principal, params }) => {
  const { volume } = readQuery(req, deleteUserQuerySchema);
  return Response.json(await removeUser(db, getSpawner(), principal, params.name, { volume }));
}, userParams);
