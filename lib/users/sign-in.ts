import type { Db } from "@/db/client";
import { findRole } from "@/db/queries/roles";
import { bindIdentity, findUser, findUserByIdentity, insertUser, updateUser, type OidcIdentity, type UserRow } from "@/db/queries/users";
import type { RoleSource } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { getConfig } from "@/lib/config";

interface ProfileFields {
  /** The name the provider's claims fold to (lib/users/oidc-claims.ts), or the one typed at the development sign-in. */
  name: string;
  displayName?: string | null;
  email?: string | null;
}

export type SignInProfile =
  | (ProfileFields & { method: "dev" })
  | (ProfileFields & {
      method: "oidc";
      identity: OidcIdentity;
      /** The role the identity provider's groups grant. */
      ssoRole?: string;
      /** The groups claim itself, kept for shares to a group (lib/sharing/) and project memberships by group (docs/projects.md). */
      groups?: readonly string[];
    });

/** How many numbered names (`jane-doe-2` … `jane-doe-20`) a second person folding to a taken name may get. */
export const MAX_NAME_SUFFIX = 20;

/** How many SSO groups, of at most how many characters, a person's row keeps (a claim is the IdP's to size). */
export const MAX_SSO_GROUPS = 200;
const MAX_SSO_GROUP_LENGTH = 256;

/** The groups claim as stored: strings only, each bounded, at most MAX_SSO_GROUPS (the rest match no share or project). */
function storedGroups(groups: readonly string[] | undefined): string[] {
  const kept = (groups ?? []).filter((g) => g.length > 0 && g.length <= MAX_SSO_GROUP_LENGTH);
  if (kept.length > MAX_SSO_GROUPS)
    console.warn(`[atrium] SSO sign-in: ${kept.length} groups, keeping the first ${MAX_SSO_GROUPS} for shares and projects.`);
  return [...new Set(kept)].slice(0, MAX_SSO_GROUPS);
}

/** A sign-in Atrium cannot complete: the code picks the sign-in page's sentence (app/signin/page.tsx), the message goes to the log. */
export class SignInRefused extends Error {
  constructor(
    readonly code: "NameTaken",
    message: string,
  ) {
    super(message);
  }
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** `jane-doe-2`, `jane-doe-3`, ...: the first name nobody has, shortened to stay within 63 characters. */
async function freeNumberedName(tx: Tx, base: string): Promise<string> {
  for (let n = 2; n <= MAX_NAME_SUFFIX; n++) {
    const suffix = `-${n}`;
    const candidate = `${base.slice(0, 63 - suffix.length).replace(/[._-]+$/, "")}${suffix}`;
    if (!(await findUser(tx, candidate))) return candidate;
  }
  throw new SignInRefused(
    "NameTaken",
    `The user name your SSO account gives (${base}) and its numbered forms up to ${base}-${MAX_NAME_SUFFIX} belong to other people; ask an admin to sort out the names.`,
  );
}

type Account = { kind: "existing"; user: UserRow; bind: boolean } | { kind: "new"; name: string; identity?: OidcIdentity; taken?: string };

/**
 * Who is signing in. SSO: the person bound to (issuer, sub); else the person of that name if no SSO
 * identity claimed her yet (people from before bindings, or made by an admin beforehand); else a new
 * person, under a numbered name when the name belongs to another identity. Never the account of
 * another subject. The development sign-in has no identity: the name is the person.
 */
async function accountFor(tx: Tx, p: SignInProfile): Promise<Account> {
  if (p.method === "oidc") {
    const bound = await findUserByIdentity(tx, p.identity);
    if (bound) return { kind: "existing", user: bound, bind: false };
  }
  const named = await findUser(tx, p.name);
  if (p.method === "dev") return named ? { kind: "existing", user: named, bind: false } : { kind: "new", name: p.name };
  if (!named) return { kind: "new", name: p.name, identity: p.identity };
  if (named.oidcSubject === null) return { kind: "existing", user: named, bind: true };
  return { kind: "new", name: await freeNumberedName(tx, p.name), identity: p.identity, taken: p.name };
}

function wantedRole(name: string, ssoRole: string | undefined, known: boolean): { role: string; source: RoleSource } | undefined {
  if (getConfig().adminUsers.includes(name)) return { role: "admin", source: "config" };
  if (ssoRole && known) return { role: ssoRole, source: "oidc" };
  if (ssoRole) {
    console.warn(`[atrium] SSO mapped ${name} to unknown role "${ssoRole}"; using the default role.`);
    return { role: "user", source: "default" };
  }
  return undefined;
}

/** Two first sign-ins racing for one name or one identity: the loser looks again, a few times. */
const ATTEMPTS = 3;

/**
 * Creates the person at first sign-in and keeps their role in step with SSO groups. A role an admin
 * set by hand (roleSource "admin") is kept, except that SSO admin groups always make an admin.
 * Throws SignInRefused when an SSO identity can be given no name.
 */
export async function signInUser(db: Db, p: SignInProfile): Promise<UserRow> {
  return db.transaction(async (tx) => {
    const ssoRole = p.method === "oidc" ? p.ssoRole : undefined;
    const ssoGroups = p.method === "oidc" ? { ssoGroups: storedGroups(p.groups) } : {};
    const knownRole = ssoRole !== undefined && (await findRole(tx, ssoRole)) !== undefined;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const account = await accountFor(tx, p);
      let user: UserRow | undefined;
      if (account.kind === "new") {
        const wanted = wantedRole(account.name, ssoRole, knownRole);
        user = await insertUser(tx, {
          name: account.name,
          role: wanted?.role ?? "user",
          roleSource: wanted?.source ?? "default",
          displayName: p.displayName ?? null,
          email: p.email ?? null,
          ...ssoGroups,
          ...(account.identity ? { oidcIssuer: account.identity.issuer, oidcSubject: account.identity.subject } : {}),
        });
        if (user && account.taken && account.identity) {
          await recordAudit(tx, {
            actor: user.name,
            action: "user.sso_name_taken",
            target: account.taken,
            detail: { given: user.name, issuer: account.identity.issuer, subject: account.identity.subject },
          });
        }
      } else {
        const existing = account.user;
        if (account.bind && p.method === "oidc" && !(await bindIdentity(tx, existing.name, p.identity))) continue;
        const wanted = wantedRole(existing.name, ssoRole, knownRole);
        const keepAdminChoice = existing.roleSource === "admin" && wanted?.role !== "admin";
        user = await updateUser(tx, existing.name, {
          displayName: p.displayName ?? existing.displayName,
          email: p.email ?? existing.email,
          lastSeenAt: new Date(),
          ...ssoGroups,
          ...(wanted && !keepAdminChoice ? { role: wanted.role, roleSource: wanted.source } : {}),
        });
      }
      if (!user) continue;
      const bound = account.kind === "existing" ? account.bind : account.identity !== undefined;
      await recordAudit(tx, {
        actor: user.name,
        action: "user.sign_in",
        target: user.name,
        detail: { method: p.method, role: user.role, ...(bound && p.method === "oidc" ? { bound: p.identity } : {}) },
      });
      return user;
    }
    throw new Error(`could not store user ${p.name}`);
  });
}

/** The person a completed sign-in stored (next-auth's jwt callback starts her session): by identity for SSO, by name otherwise. */
export function signedInUser(db: Db, who: { identity: OidcIdentity } | { name: string }): Promise<UserRow | undefined> {
  return "identity" in who ? findUserByIdentity(db, who.identity) : findUser(db, who.name);
}
