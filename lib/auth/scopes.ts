/**
 * API token scopes: the one table the route wrappers (lib/http/with-user.ts), the workspace proxy and
 * the tokens panel read (JupyterHub's model, simplified). A person in the browser (session cookie) and
 * the bootstrap token have every scope; an API token has the scopes stored on its row, expanded
 * through `implies`. Admin rights need the `admin` scope on top of the admin role.
 */
import type { TokenKind } from "@/db/schema";

export interface ScopeInfo {
  /** One sentence for the tokens panel and error messages. */
  summary: string;
  /** Scopes this one includes. */
  implies: readonly ScopeName[];
  /** Shown only to admins on the tokens panel, and granted only to admins' tokens. */
  adminOnly?: boolean;
}

export const SCOPE_NAMES = [
  "admin",
  "account",
  "account:read",
  "tokens",
  "servers",
  "servers:install",
  "jobs",
  "workspaces:access",
  "mlflow",
  "packages:read",
  "serving",
  "serving:invoke",
] as const;
export type ScopeName = (typeof SCOPE_NAMES)[number];

export const SCOPES: Readonly<Record<ScopeName, ScopeInfo>> = {
  admin: {
    summary:
      "Use your admin rights: the admin API (users, roles, environments, audit, all servers) and other people's servers, tokens and runs.",
    implies: ["account"],
    adminOnly: true,
  },
  account: {
    summary: "Everything you may do yourself (every scope below).",
    implies: ["account:read", "tokens", "servers", "jobs", "workspaces:access", "mlflow", "packages:read", "serving"],
  },
  "account:read": {
    summary: "Read your profile, limits and usage, the roles and the environments (GET /api/me, /api/roles, /api/environments).",
    implies: [],
  },
  tokens: { summary: "List, create and revoke your API tokens (only with scopes this token has itself).", implies: [] },
  servers: { summary: "Start, stop and watch your servers; includes servers:install.", implies: ["servers:install"] },
  "servers:install": { summary: "List and install packages in your running servers.", implies: [] },
  jobs: { summary: "Create, run, change and watch your jobs (scheduled notebooks and scripts).", implies: [] },
  "workspaces:access": { summary: "Open your workspaces (/user/<you>/<server>/) with this token.", implies: [] },
  mlflow: { summary: "Experiments, runs, models and artifacts through the MLflow API.", implies: [] },
  "packages:read": { summary: "Browse the package index and the packages of the environments.", implies: [] },
  serving: {
    summary: "Create, change and delete your serving endpoints and say who may call them; includes serving:invoke.",
    implies: ["serving:invoke"],
  },
  "serving:invoke": {
    summary: "Call the serving endpoints you own or were granted, and read endpoints' state (docs/serving.md).",
    implies: [],
  },
};

/**
 * What a token gets when its creator names no scopes. Personal: `account`, what every token could do
 * before scopes existed, so scripts keep working. Workspace (the MLFLOW_TRACKING_TOKEN of a server):
 * MLflow, the package browser and installing into its own server only (lib/auth/access.ts). Bundle (a
 * serving replica's): none, and no route resolves it to a principal at all (principal.ts).
 */
export const DEFAULT_SCOPES: Readonly<Record<TokenKind, readonly ScopeName[]>> = {
  personal: ["account"],
  workspace: ["mlflow", "packages:read", "servers:install"],
  bundle: [],
};

export const isScopeName = (s: string): s is ScopeName => (SCOPE_NAMES as readonly string[]).includes(s);

/** The scopes named plus everything they imply; names not in the table (a removed scope) are dropped. */
export function expandScopes(names: readonly string[]): ScopeName[] {
  const out = new Set<ScopeName>();
  const visit = (s: ScopeName) => {
    if (out.has(s)) return;
    out.add(s);
    for (const implied of SCOPES[s].implies) visit(implied);
  };
  for (const name of names) if (isScopeName(name)) visit(name);
  return SCOPE_NAMES.filter((s) => out.has(s));
}

/** The caller's side of a check: who they are, how they came, and (for tokens) what the token holds. */
export interface ScopedCaller {
  name: string;
  role: string;
  via: "session" | "token" | "bootstrap";
  /** Expanded scopes of the token; only read when via === "token" (people and bootstrap have all). */
  scopes?: readonly ScopeName[];
  tokenId?: string;
  tokenKind?: TokenKind;
}

export function hasScope(caller: ScopedCaller, scope: ScopeName): boolean {
  if (caller.via !== "token") return true;
  return caller.scopes?.includes(scope) ?? false;
}

/** The error every refusal for a missing scope is: the routes' ApiError and the proxy's reply share it. */
export function insufficientScope(scope: ScopeName): { status: 403; error: "insufficient_scope"; message: string } {
  return { status: 403, error: "insufficient_scope", message: `This token lacks the "${scope}" scope this needs.` };
}

/**
 * The fields of a token caller's principal: its scopes, and admin rights only when the owner is an
 * admin AND the token carries `admin` (an admin's MLflow-only token cannot read everyone's runs).
 */
export function tokenGrant(row: { id: string; kind: TokenKind; scopes: readonly string[] }, ownerIsAdmin: boolean) {
  const scopes = expandScopes(row.scopes);
  return { scopes, admin: ownerIsAdmin && scopes.includes("admin"), tokenId: row.id, tokenKind: row.kind };
}
