import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/http/api-error";
import {
  assertRouteAccess,
  assertServerOfToken,
  DEFAULT_SCOPES,
  expandScopes,
  hasScope,
  insufficientScope,
  SCOPE_NAMES,
  SCOPES,
  scopesToGrant,
  tokenGrant,
  type ScopedCaller,
  type ScopeName,
} from "./scopes";

const person: ScopedCaller = { name: "ann", role: "user", via: "session" };
const bootstrap: ScopedCaller = { name: "bootstrap", role: "admin", via: "bootstrap" };
const token = (names: string[], extra: Partial<ScopedCaller> = {}): ScopedCaller => ({
  name: "ann",
  role: "user",
  via: "token",
  tokenId: "tok_a",
  tokenKind: "personal",
  scopes: expandScopes(names),
  ...extra,
});

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error("expected an ApiError");
}

describe("the scope table", () => {
  it("names every scope once, each with a sentence, and implies only scopes in the table", () => {
    expect(new Set(SCOPE_NAMES).size).toBe(SCOPE_NAMES.length);
    expect(Object.keys(SCOPES).sort()).toEqual([...SCOPE_NAMES].sort());
    for (const name of SCOPE_NAMES) {
      expect(SCOPES[name].summary, name).toMatch(/^[A-Z].*\.$/);
      for (const implied of SCOPES[name].implies) expect(SCOPE_NAMES, `${name} implies ${implied}`).toContain(implied);
    }
  });

  it("account is everything but admin; admin is everything", () => {
    expect(expandScopes(["account"])).toEqual(SCOPE_NAMES.filter((s) => s !== "admin"));
    expect(expandScopes(["admin"])).toEqual([...SCOPE_NAMES]);
  });

  it("expands implications, keeps the table's order, and drops names it does not know", () => {
    expect(expandScopes(["servers"])).toEqual(["servers", "servers:install"]);
    expect(expandScopes(["mlflow", "servers:install", "mlflow", "gone:scope"])).toEqual(["servers:install", "mlflow"]);
    expect(expandScopes([])).toEqual([]);
  });

  it("gives a workspace's token MLflow, the package browser and installing, and nothing that reaches further", () => {
    const ws = expandScopes(DEFAULT_SCOPES.workspace);
    expect(ws).toEqual(["servers:install", "mlflow", "packages:read"]);
    for (const s of ["tokens", "servers", "workspaces:access", "account", "account:read", "admin"] as ScopeName[])
      expect(ws).not.toContain(s);
    expect(DEFAULT_SCOPES.personal).toEqual(["account"]);
  });
});

describe("hasScope and assertRouteAccess", () => {
  it("people and the bootstrap token have every scope; a token only its own", () => {
    for (const s of SCOPE_NAMES) {
      expect(hasScope(person, s)).toBe(true);
      expect(hasScope(bootstrap, s)).toBe(true);
    }
    const mlflow = token(["mlflow"]);
    expect(SCOPE_NAMES.filter((s) => hasScope(mlflow, s))).toEqual(["mlflow"]);
    // A token principal without a scope list (a bug elsewhere) has nothing, not everything.
    expect(SCOPE_NAMES.filter((s) => hasScope({ name: "ann", role: "user", via: "token" }, s))).toEqual([]);
  });

  it("refuses a token without the route's scope with insufficient_scope naming it", () => {
    const err = thrown(() => assertRouteAccess(token(["mlflow"]), { scope: "tokens", admin: false }));
    expect([err.status, err.code, err.message]).toEqual([403, "insufficient_scope", 'This token lacks the "tokens" scope this needs.']);
    expect(insufficientScope("tokens")).toEqual({ status: 403, error: "insufficient_scope", message: err.message });
    expect(() => assertRouteAccess(token(["account"]), { scope: "tokens", admin: false })).not.toThrow();
  });

  it("admin routes: a non-admin is forbidden as a person, an admin's token needs the admin scope", () => {
    const admin = { role: "admin", name: "root" };
    expect(thrown(() => assertRouteAccess(token(["admin"]), { scope: "admin", admin: true })).code).toBe("forbidden");
    expect(thrown(() => assertRouteAccess(person, { scope: "admin", admin: true })).code).toBe("forbidden");
    const lacking = thrown(() => assertRouteAccess(token(["account"], admin), { scope: "admin", admin: true }));
    expect([lacking.code, lacking.message]).toEqual(["insufficient_scope", 'This token lacks the "admin" scope this needs.']);
    expect(() => assertRouteAccess(token(["admin"], admin), { scope: "admin", admin: true })).not.toThrow();
    expect(() => assertRouteAccess({ ...person, ...admin }, { scope: "admin", admin: true })).not.toThrow();
    expect(() => assertRouteAccess(bootstrap, { scope: "admin", admin: true })).not.toThrow();
  });

  it("tokenGrant: admin rights need both the role and the admin scope", () => {
    expect(tokenGrant({ id: "t", kind: "personal", scopes: ["account"] }, true)).toMatchObject({
      admin: false,
      tokenId: "t",
      tokenKind: "personal",
    });
    expect(tokenGrant({ id: "t", kind: "personal", scopes: ["admin"] }, true).admin).toBe(true);
    expect(tokenGrant({ id: "t", kind: "personal", scopes: ["admin"] }, false).admin).toBe(false);
  });
});

describe("assertServerOfToken", () => {
  const ws = token(DEFAULT_SCOPES.workspace as string[], { tokenKind: "workspace", tokenId: "tok_ws" });

  it("lets a workspace's token act on its own server only", () => {
    expect(() => assertServerOfToken(ws, "ann", "one", { trackingTokenId: "tok_ws" })).not.toThrow();
    for (const row of [{ trackingTokenId: "tok_other" }, { trackingTokenId: null }, undefined]) {
      const err = thrown(() => assertServerOfToken(ws, "ann", "two", row));
      expect([err.status, err.code, err.message]).toEqual([
        403,
        "insufficient_scope",
        "This workspace's token may act only on its own server, not on ann/two.",
      ]);
    }
  });

  it("does not bind personal tokens or people to a server", () => {
    expect(() => assertServerOfToken(token(["account"]), "ann", "two", { trackingTokenId: "tok_other" })).not.toThrow();
    expect(() => assertServerOfToken(person, "ann", "two", undefined)).not.toThrow();
  });
});

describe("scopesToGrant", () => {
  it("names the first unknown scope in a 400 and refuses an empty list", () => {
    const err = thrown(() => scopesToGrant(person, ["mlflow", "Mlflow"], false));
    expect([err.status, err.code]).toEqual([400, "invalid_scope"]);
    expect(err.message).toMatch(/^There is no scope "Mlflow"; the scopes are admin, account, .*\.$/);
    expect(thrown(() => scopesToGrant(person, [], false)).status).toBe(400);
  });

  it("keeps the names as asked, without duplicates", () => {
    expect(scopesToGrant(person, ["servers", "mlflow", "servers"], false)).toEqual(["servers", "mlflow"]);
  });

  it("gives admin only to an admin's token", () => {
    expect(thrown(() => scopesToGrant(bootstrap, ["admin"], false)).code).toBe("forbidden");
    expect(scopesToGrant(bootstrap, ["admin"], true)).toEqual(["admin"]);
  });

  it("lets a token grant only what it holds, judged after implications", () => {
    const maker = token(["tokens", "servers"]);
    expect(scopesToGrant(maker, ["servers:install"], false)).toEqual(["servers:install"]);
    expect(scopesToGrant(maker, ["servers"], false)).toEqual(["servers"]);
    const err = thrown(() => scopesToGrant(maker, ["account"], false));
    expect([err.status, err.code]).toEqual([403, "insufficient_scope"]);
    expect(err.message).toBe('This token cannot grant the "account" scope: it does not have it itself.');
    expect(thrown(() => scopesToGrant(token(["account"]), ["admin"], true)).message).toContain('"admin"');
  });
});
