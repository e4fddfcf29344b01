/**
 * A real OpenID Connect provider (panva's `oidc-provider` v9) for end-to-end tests.
 *
 * - issuer: http://127.0.0.1:<port> (plain http; oidc-provider accepts http issuers and, for
 *   `application_type: "web"` clients using the code flow, http redirect URIs on any host)
 * - one confidential client: token_endpoint_auth_method `client_secret_basic` (the Auth.js /
 *   next-auth v5 default), grant `authorization_code`, response type `code`, PKCE (S256) required
 * - scopes `openid profile email groups`; claims sub, preferred_username, name, email,
 *   email_verified, groups. `conformIdTokenClaims: false` so the scope claims (incl. `groups`)
 *   are in the ID token as well as in userinfo.
 * - its own minimal login page at /interaction/:uid (username + password, "Sign in"), consent is
 *   granted automatically.
 *
 * Run directly (`npx tsx e2e/support/oidc-server.ts`) it listens on $PORT (default 9400) with
 * users alice/alice (data-science) and admin/admin (platform-admins).
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { realpathSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import Provider, { type Adapter, type AdapterPayload, type Interaction } from "oidc-provider";

export interface TestOidcUser {
  sub: string;
  /** Left out of the claims when unset (the person then signs in at the login page by `login`). */
  preferred_username?: string;
  /** What the login page asks for; `preferred_username` when unset. */
  login?: string;
  name: string;
  email: string;
  /** true when unset. */
  email_verified?: boolean;
  groups: string[];
  password: string;
}

export interface TestOidc {
  /** e.g. "http://127.0.0.1:9400" (no trailing slash) — use verbatim as next-auth's `issuer`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  stop(): Promise<void>;
}

export interface StartTestOidcOptions {
  /** 0 (the default) = a random free port. */
  port?: number;
  redirectUris: string[];
  users: TestOidcUser[];
  /** Defaults to "atrium". */
  clientId?: string;
  /** Defaults to "atrium-e2e-secret" (deterministic so a web server can be configured up front). */
  clientSecret?: string;
}

export const DEFAULT_CLIENT_ID = "atrium";
export const DEFAULT_CLIENT_SECRET = "atrium-e2e-secret";

const HOST = "127.0.0.1";

/** Models whose records are revoked together when their grant is revoked (as in oidc-provider's own memory adapter). */
const GRANTABLE = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
  "PreAuthorizedCode",
]);

/** Per-provider in-memory storage (oidc-provider's built-in one is module-global and warns). */
function createMemoryAdapterFactory(): (model: string) => Adapter {
  const store = new Map<string, { payload: AdapterPayload; expiresAt: number }>();
  const get = (key: string): AdapterPayload | undefined => {
    const entry = store.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      store.delete(key);
      return undefined;
    }
    return entry.payload;
  };
  const set = (key: string, payload: AdapterPayload, expiresIn?: number) => {
    const expiresAt = typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : Infinity;
    store.set(key, { payload, expiresAt });
  };

  return (model: string): Adapter => {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        set(key(id), payload, expiresIn);
        if (model === "Session" && typeof payload.uid === "string") {
          set(`SessionUid:${payload.uid}`, { id }, expiresIn);
        }
        if (typeof payload.userCode === "string") {
          set(`UserCode:${payload.userCode}`, { id }, expiresIn);
        }
        if (GRANTABLE.has(model) && typeof payload.grantId === "string") {
          const grantKey = `GrantMembers:${payload.grantId}`;
          const members = (get(grantKey)?.members as string[] | undefined) ?? [];
          if (!members.includes(key(id))) set(grantKey, { members: [...members, key(id)] });
        }
      },
      async find(id) {
        return get(key(id));
      },
      async findByUid(uid) {
        const ref = get(`SessionUid:${uid}`);
        return typeof ref?.id === "string" ? get(key(ref.id)) : undefined;
      },
      async findByUserCode(userCode) {
        const ref = get(`UserCode:${userCode}`);
        return typeof ref?.id === "string" ? get(key(ref.id)) : undefined;
      },
      async consume(id) {
        const payload = get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        store.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        const grantKey = `GrantMembers:${grantId}`;
        for (const member of (get(grantKey)?.members as string[] | undefined) ?? []) {
          store.delete(member);
        }
        store.delete(grantKey);
      },
    };
  };
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

function loginPage(uid: string, opts: { username?: string; error?: string } = {}): string {
  const error = opts.error ? `<p role="alert" class="error">${escapeHtml(opts.error)}</p>` : "";
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Test IdP - Sign in</title></head>
<body>
<main>
<h1>Test IdP</h1>
${error}
<form method="post" action="/interaction/${encodeURIComponent(uid)}" autocomplete="off">
<p><label for="username">Username</label>
<input id="username" name="username" type="text" value="${escapeHtml(opts.username ?? "")}" required autofocus></p>
<p><label for="password">Password</label>
<input id="password" name="password" type="password" required></p>
<p><button type="submit">Sign in</button></p>
</form>
</main>
</body>
</html>`;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.end(html);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.end(text);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export async function startTestOidc(opts: StartTestOidcOptions): Promise<TestOidc> {
  const clientId = opts.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = opts.clientSecret ?? DEFAULT_CLIENT_SECRET;
  const users = opts.users;

  let provider: Provider | undefined;
  let providerCallback: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;

  /** Auto-consent: grant everything the client asked for and finish the interaction. */
  async function finishConsent(req: IncomingMessage, res: ServerResponse, interaction: Interaction) {
    const p = provider!;
    const accountId = interaction.session?.accountId;
    if (!accountId) {
      sendText(res, 400, "consent interaction without a logged-in session");
      return;
    }
    const { details } = interaction.prompt;
    const grant =
      (interaction.grantId ? await p.Grant.find(interaction.grantId) : undefined) ??
      new p.Grant({ accountId, clientId: interaction.params.client_id });
    if (details.missingOIDCScope?.length) grant.addOIDCScope(details.missingOIDCScope.join(" "));
    if (details.missingOIDCClaims?.length) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    const grantId = await grant.save();
    await p.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  async function handleInteraction(req: IncomingMessage, res: ServerResponse, uid: string) {
    const p = provider!;
    let interaction: Interaction;
    try {
      interaction = await p.interactionDetails(req, res);
    } catch (err) {
      sendText(res, 400, `Interaction session not found or expired: ${(err as Error).message}`);
      return;
    }
    if (interaction.uid !== uid) {
      sendText(res, 400, "Interaction id mismatch");
      return;
    }

    if (interaction.prompt.name === "consent") {
      await finishConsent(req, res, interaction);
      return;
    }
    if (interaction.prompt.name !== "login") {
      sendText(res, 400, `Unsupported prompt: ${interaction.prompt.name}`);
      return;
    }

    if (req.method === "GET") {
      sendHtml(res, 200, loginPage(uid));
      return;
    }
    if (req.method !== "POST") {
      sendText(res, 405, "Method not allowed");
      return;
    }

    const form = await readForm(req);
    const username = form.get("username") ?? "";
    const password = form.get("password") ?? "";
    const user = users.find((u) => (u.login ?? u.preferred_username) === username);
    if (!user || user.password !== password) {
      sendHtml(res, 401, loginPage(uid, { username, error: "Invalid username or password" }));
      return;
    }
    await p.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://internal");
    const match = /^\/interaction\/([^/]+)\/?$/.exec(url.pathname);
    if (match) {
      handleInteraction(req, res, decodeURIComponent(match[1] ?? "")).catch((err: unknown) => {
        console.error("[test-oidc] interaction error:", err);
        if (!res.headersSent) sendText(res, 500, "Internal error");
        else res.end();
      });
      return;
    }
    if (!providerCallback) {
      sendText(res, 503, "starting");
      return;
    }
    providerCallback(req, res);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${HOST}:${port}`;

  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingKey = {
    ...privateKey.export({ format: "jwk" }),
    kid: `test-${randomBytes(6).toString("hex")}`,
    alg: "RS256",
    use: "sig",
  };

  provider = new Provider(issuer, {
    adapter: createMemoryAdapterFactory(),
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        application_type: "web",
        redirect_uris: opts.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
        id_token_signed_response_alg: "RS256",
      },
    ],
    scopes: ["openid", "profile", "email", "groups"],
    claims: {
      openid: ["sub"],
      profile: ["name", "preferred_username"],
      email: ["email", "email_verified"],
      groups: ["groups"],
    },
    // Put the scope-requested claims into the ID token too (default: only in userinfo when an
    // access token is issued). Auth.js builds the profile from the ID token claims.
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(32).toString("hex"), randomBytes(32).toString("hex")] },
    jwks: { keys: [signingKey] },
    features: {
      devInteractions: { enabled: false },
    },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const user = users.find((u) => u.sub === sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        async claims() {
          return {
            sub: user.sub,
            ...(user.preferred_username === undefined ? {} : { preferred_username: user.preferred_username }),
            name: user.name,
            email: user.email,
            email_verified: user.email_verified ?? true,
            groups: [...user.groups],
          };
        },
      };
    },
    clientBasedCORS: () => true,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
  });

  for (const event of ["server_error", "authorization.error", "grant.error", "userinfo.error"]) {
    provider.on(event, (...args: unknown[]) => {
      const err = args.find((a): a is Error & { error_description?: string } => a instanceof Error);
      console.error(
        `[test-oidc] ${event}: ${err?.message ?? "unknown error"}${err?.error_description ? ` (${err.error_description})` : ""}`,
      );
    });
  }

  providerCallback = provider.callback();

  let stopped: Promise<void> | undefined;
  return {
    issuer,
    clientId,
    clientSecret,
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  const port = Number(process.env.PORT ?? 9400);
  const oidc = await startTestOidc({
    port,
    clientId: process.env.OIDC_CLIENT_ID ?? DEFAULT_CLIENT_ID,
    clientSecret: process.env.OIDC_CLIENT_SECRET ?? DEFAULT_CLIENT_SECRET,
    redirectUris: ["http://localhost:3000/api/auth/callback/oidc", "http://127.0.0.1:3000/api/auth/callback/oidc"],
    users: [
      {
        sub: "alice",
        preferred_username: "alice",
        name: "Alice Example",
        email: "alice@example.test",
        groups: ["data-science"],
        password: "alice",
      },
      {
        sub: "admin",
        preferred_username: "admin",
        name: "Atrium Admin",
        email: "admin@example.test",
        groups: ["platform-admins"],
        password: "admin",
      },
    ],
  });
  console.log(`Test OIDC provider listening`);
  console.log(`  issuer:        ${oidc.issuer}`);
  console.log(`  client id:     ${oidc.clientId}`);
  console.log(`  client secret: ${oidc.clientSecret}`);
  const shutdown = () => {
    oidc.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}
