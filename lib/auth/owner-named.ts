/** Resources named by a person's name in a URL (`/api/users/<name>/...`), owned by the id that name stands for now. */
import type { Db } from "@/db/client";
import { findUser } from "@/db/queries/users";
import { tokenResource, userResource, type Owner, type Resource } from "./access";

/** Who a name stands for now, as the access rule's owner: her id, or null when there is no such person (admins only). */
export async function ownerNamed(db: Db, name: string): Promise<Owner & { name: string }> {
  return { id: (await findUser(db, name))?.id ?? null, name };
}

/** The person of a `/api/users/<name>` route, for its access check (lib/http/with-user.ts). */
export const personAt = async (p: { name: string }, db: Db): Promise<Resource> => userResource(await ownerNamed(db, p.name));

/** Her tokens (one of them, with `id`), for the token routes' access check. */
export const tokensAt = async (p: { name: string; id?: string }, db: Db): Promise<Resource> =>
  tokenResource(await ownerNamed(db, p.name), p.id);
