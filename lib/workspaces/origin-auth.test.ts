import { beforeEach, describe, expect, it } from "vitest";
import { findUser, insertUser, updateUser } from "@/db/queries/users";
import { auditEvents, users, workspaceCodes, workspaceSessions } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { bindIds } from "@/lib/auth/testing";
import { endSession, revokeSessions, startSession, userOfSession } from "@/lib/auth/sessions";
import {
  authorizeWorkspace,
  CODE_TTL_MS,
  issueWorkspaceCode,
  openWorkspaceSession,
  redeemWorkspaceCode,
  safeNext,
  SESSION_TTL_MS,
  workspaceSessionPrincipal,
} from "./origin-auth";

const alice: Principal = { name: "alice", role: "user", admin: false, via: "session" };
const root: Principal = { name: "root", role: "admin", admin: true, via: "session" };
const X = { user: "alice", server: "default" };
const Y = { user: "alice", server: "other" };
const BOB = { user: "bob", server: "default" };
const t0 = new Date("2026-12-02T12:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

describe("safeNext", () => {
  it("keeps paths under the server's own prefix", () => {
    expect(safeNext(X, "/user/alice/default/")).toBe("/user/alice/default/");
    expect(safeNext(X, "/user/alice/default/notebooks/a.ipynb?kernel=1")).toBe("/user/alice/default/notebooks/a.ipynb?kernel=1");
  });

  it("refuses anything that could leave it", () => {
    for (const next of [
      "https://evil.example/",
      "//evil.example/user/alice/default/",
      "/\\evil.example/",
      "/user/alice/default/..%2f..%2fapi/users",
      "/user/alice/default/../../api/users",
      "/user/alice/defaultx/",
      "/user/bob/default/",
      "/user/alice/default/\\..\\",
      "/user/alice/default/\t/x",
      "javascript:alert(1)",
      "",
    ]) {
      expect(safeNext(X, next), next).toBeNull();
    }
  });
});

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(workspaceCodes);
      await db().delete(workspaceSessions);
      await db().delete(users);
      await insertUser(db(), { name: "alice", role: "user", roleSource: "oidc" });
      await insertUser(db(), { name: "root", role: "admin", roleSource: "config" });
      await bindIds(db(), alice, root);
    });

    it("a code opens its server once, for whom it was issued, and stores only its hash", async () => {
      const code = await issueWorkspaceCode(db(), root, X, "/user/alice/default/tree", t0);
      const stored = await db().select().from(workspaceCodes);
      expect(stored).toHaveLength(1);
      expect(JSON.stringify(stored)).not.toContain(code);
      expect(await redeemWorkspaceCode(db(), code, X, at(1_000))).toEqual({
        ownerId: alice.userId,
        principalId: root.userId,
        portalSession: null,
        next: "/user/alice/default/tree",
      });
      expect(await redeemWorkspaceCode(db(), code, X, at(2_000))).toBeNull();
    });

    it("a code expires after a minute", async () => {
      const code = await issueWorkspaceCode(db(), alice, X, "/user/alice/default/", t0);
      expect(await redeemWorkspaceCode(db(), code, X, at(CODE_TTL_MS + 1))).toBeNull();
    });

    it("a code for server X does not open server Y, and is burnt by the try", async () => {
      const code = await issueWorkspaceCode(db(), alice, X, "/user/alice/default/", t0);
      expect(await redeemWorkspaceCode(db(), code, Y, at(1_000))).toBeNull();
      expect(await redeemWorkspaceCode(db(), code, BOB, at(1_000))).toBeNull();
      expect(await redeemWorkspaceCode(db(), code, X, at(1_000))).toBeNull();
      expect(await redeemWorkspaceCode(db(), "made-up", X, at(1_000))).toBeNull();
    });

    it("two redemptions racing for one code: exactly one wins", async () => {
      const code = await issueWorkspaceCode(db(), alice, X, "/user/alice/default/", t0);
      const results = await Promise.all([redeemWorkspaceCode(db(), code, X, at(1)), redeemWorkspaceCode(db(), code, X, at(1))]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it("authorize: the code goes to the server's own origin only, and an admin opening someone else's is audited", async () => {
      await db().delete(auditEvents);
      const host = { domain: "ws.example.net", port: undefined, scheme: "https" as const };
      const own = new URL(await authorizeWorkspace(db(), alice, X, { state: "s".repeat(32) }, host));
      expect(own.origin).toBe("https://alice--default.ws.example.net");
      expect(own.pathname).toBe("/user/alice/default/_atrium/auth-callback");
      expect(await db().select().from(auditEvents)).toHaveLength(0);
      await authorizeWorkspace(db(), root, X, { state: "s".repeat(32), next: "/user/alice/default/tree" }, host);
      expect(
        await db().select({ actor: auditEvents.actor, action: auditEvents.action, target: auditEvents.target }).from(auditEvents),
      ).toEqual([{ actor: "root", action: "server.admin_open", target: "alice/default" }]);
      await expect(authorizeWorkspace(db(), alice, X, { state: "s".repeat(32) }, undefined)).rejects.toMatchObject({
        status: 404,
        code: "no_workspace_host",
      });
      await expect(
        authorizeWorkspace(db(), { name: "bootstrap", role: "admin", admin: true, via: "bootstrap" }, X, { state: "s".repeat(32) }, host),
      ).rejects.toMatchObject({ status: 403 });
    });

    it("a workspace cookie made from a portal session ends with it: sign-out and an admin's revocation", async () => {
      const person = await findUser(db(), "alice");
      if (!person) throw new Error("alice is missing");
      for (const end of ["sign-out", "revocation"] as const) {
        const claims: Record<string, unknown> = {};
        await startSession(db(), person, claims);
        const live = await userOfSession(db(), claims);
        expect(live?.user.name).toBe("alice");
        const code = await issueWorkspaceCode(db(), { ...alice, sessionIdHash: live?.idHash }, X, "/user/alice/default/");
        const redeemed = await redeemWorkspaceCode(db(), code, X);
        expect(redeemed?.portalSession).toBe(live?.idHash);
        if (!redeemed) throw new Error("the code did not redeem");
        const { value } = await openWorkspaceSession(db(), redeemed, X);
        expect(await workspaceSessionPrincipal(db(), value, X)).toMatchObject({ name: "alice" });
        if (end === "sign-out") await endSession(db(), claims);
        else await revokeSessions(db(), root, person);
        expect(await workspaceSessionPrincipal(db(), value, X), end).toBeNull();
      }
    });

    it("a cookie session answers for its server only, until it expires, and follows the person's role", async () => {
      const grant = { ownerId: alice.userId ?? "", principalId: root.userId ?? "", portalSession: null };
      const { value, expiresAt } = await openWorkspaceSession(db(), grant, X, t0);
      expect(expiresAt.getTime()).toBe(t0.getTime() + SESSION_TTL_MS);
      expect(JSON.stringify(await db().select().from(workspaceSessions))).not.toContain(value);
      expect(await workspaceSessionPrincipal(db(), value, X, at(1_000))).toEqual({
        name: "root",
        userId: (await findUser(db(), "root"))?.id,
        role: "admin",
        admin: true,
        via: "session",
        groups: [],
      });
      expect(await workspaceSessionPrincipal(db(), value, Y, at(1_000))).toBeNull();
      expect(await workspaceSessionPrincipal(db(), value, BOB, at(1_000))).toBeNull();
      expect(await workspaceSessionPrincipal(db(), value, X, at(SESSION_TTL_MS + 1))).toBeNull();
      await updateUser(db(), "root", { role: "user" });
      expect(await workspaceSessionPrincipal(db(), value, X, at(1_000))).toMatchObject({ name: "root", admin: false });
    });
  });
}
