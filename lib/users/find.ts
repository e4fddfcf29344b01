import type { Db } from "@/db/client";
import { findUser, type UserRow } from "@/db/queries/users";
import { notFound } from "@/lib/http/api-error";

/** The user of this name, or a 404; below lib/users/manage.ts so token and workspace code can ask without importing it. */
export async function getUserOrThrow(db: Db, name: string): Promise<UserRow> {
  const user = await findUser(db, name);
  if (!user) throw notFound("user_not_found", `There is no user named "${name}".`);
  return user;
}
