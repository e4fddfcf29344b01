import NextAuth, { type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { getConfig } from "@atrium/core/lib/config";
import { getDb } from "@atrium/core/lib/runtime/db";
import { signedInUser, signInUser, SignInRefused } from "@atrium/core/lib/users/sign-in";
import { personFromClaims } from "@atrium/core/lib/users/oidc-claims";
import { normaliseUserName } from "@atrium/core/lib/auth/names";
import { endSession, SESSION_MAX_AGE_S, SESSION_USER_CLAIM, startSession } from "@atrium/core/lib/auth/sessions";
import { roleFromGroups } from "@atrium/core/lib/auth/role-from-groups";
import { getAuthSecret, usesSecureCookies } from "@atrium/core/lib/auth/secret";

interface OidcProfile {
  sub?: string;
  preferred_username?: string;
  email?: string;
  name?: string;
  [claim: string]: unknown;
}

/** Providers name the claim differently (Keycloak "groups", GitLab "groups_direct"): OIDC_GROUPS_CLAIM. */
function groupsOf(profile: OidcProfile | undefined, claim: string): string[] {
  const g = profile?.[claim];
  return Array.isArray(g) ? g.filter((x): x is string => typeof x === "string") : [];
}

/** Whom the signIn callback stored: an SSO person by her identity only (her name may be someone else's). */
function signedInAs(provider: string, profile: Record<string, unknown> | undefined, userId: string | undefined) {
  if (provider === "oidc") {
    const found = personFromClaims(profile ?? {});
    return "person" in found ? { identity: found.person.identity } : undefined;
  }
  return provider === "dev" && userId ? { name: userId } : undefined;
}

function buildConfig(): NextAuthConfig {
  const config = getConfig();
  const providers: NextAuthConfig["providers"] = [];
  if (config.oidc) {
    providers.push({
      id: "oidc",
      name: "SSO",
      type: "oidc",
      issuer: config.oidc.issuer,
      clientId: config.oidc.clientId,
      clientSecret: config.oidc.clientSecret,
      checks: ["pkce", "state", "nonce"],
      authorization: { params: { scope: config.oidc.scopes } },
      profile: (p: OidcProfile) => ({ id: p.sub ?? "", name: p.name ?? null, email: p.email ?? null }),
    });
  } else {
    providers.push(
      Credentials({
        id: "dev",
        name: "Development sign-in",
        credentials: { username: { label: "User name", type: "text" } },
        authorize: async (credentials) => {
          const raw = typeof credentials.username === "string" ? credentials.username : "";
          const name = normaliseUserName(raw);
          return name && name === raw.trim() ? { id: name, name } : null;
        },
      }),
    );
  }

  return {
    providers,
    secret: getAuthSecret(),
    trustHost: true,
    useSecureCookies: usesSecureCookies(),
    // The JWT only carries the session's id: lib/auth/sessions.ts checks its row on every request.
    session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_S },
    pages: { signIn: "/signin", error: "/signin" },
    events: {
      // A copy of the cookie taken before sign-out must not work after it: the session row goes.
      signOut: async (message) => {
        if ("token" in message) await endSession(await getDb(), message.token);
      },
    },
    callbacks: {
      // The person is stored here, where a refusal can still send her to a page that says why.
      signIn: async ({ account, profile, user }) => {
        const db = await getDb();
        if (account?.provider === "oidc" && config.oidc) {
          const found = personFromClaims(profile ?? {});
          if ("refused" in found) return `/signin?error=${found.refused}`;
          try {
            const groups = groupsOf(profile as OidcProfile, config.oidc.groupsClaim);
            await signInUser(db, { method: "oidc", ...found.person, ssoRole: roleFromGroups(groups, config.oidc), groups });
          } catch (err) {
            if (!(err instanceof SignInRefused)) throw err;
            console.warn(`[atrium] SSO sign-in refused: ${err.message}`);
            return `/signin?error=${err.code}`;
          }
          return true;
        }
        if (account?.provider === "dev" && user.id) {
          await signInUser(db, { method: "dev", name: user.id });
          return true;
        }
        return false;
      },
      jwt: async ({ token, account, profile, user }) => {
        if (!account) return token;
        const db = await getDb();
        const who = signedInAs(account.provider, profile, user.id);
        const stored = who && (await signedInUser(db, who));
        if (!stored) throw new Error("the person who signed in was not stored");
        await startSession(db, stored, token);
        return token;
      },
      session: ({ session, token }) => {
        const name = token[SESSION_USER_CLAIM];
        if (typeof name === "string") session.user = { ...session.user, name };
        return session;
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => buildConfig());
