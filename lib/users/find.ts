import type { Db } from "@/db/client";
import { findUser, type UserRow } from "@/db/queries/users";
import { notFound } from "@/lib/http/api-error";

/** The user of this name, or a 404 (for lib/users/manage.ts and tokens.ts). */
export async function getUserOrThrow(db: Db, name: string): Promise<UserRow> {
  const user = await findUser(db, name);
  if (!user) throw notFound("user_not_found", `There is no user named "${name}".`);
  return user;
}
