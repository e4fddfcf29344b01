import { describe, expect, it } from "vitest";
import { DEFAULT_SCOPES, expandScopes, hasScope, SCOPE_NAMES, SCOPES, tokenGrant, type ScopeName } from "./scopes";
import { bootstrap, person, tokenCaller as token } from "./testing";

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
    // Managing endpoints includes calling them, never the other way (docs/serving.md).
    expect(expandScopes(["serving"])).toEqual(["serving", "serving:invoke"]);
    expect(expandScopes(["serving:invoke"])).toEqual(["serving:invoke"]);
  });

  it("gives a workspace's token MLflow, the package browser and installing, and nothing that reaches further", () => {
    const ws = expandScopes(DEFAULT_SCOPES.workspace);
    expect(ws).toEqual(["servers:install", "mlflow", "packages:read"]);
    for (const s of [
      "tokens",
      "servers",
      "workspaces:access",
      "account",
      "account:read",
      "admin",
      "serving",
      "serving:invoke",
    ] as ScopeName[])
      expect(ws).not.toContain(s);
    expect(DEFAULT_SCOPES.personal).toEqual(["account"]);
  });
});

describe("hasScope and tokenGrant", () => {
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
