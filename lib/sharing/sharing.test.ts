import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { upsertServer } from "@/db/queries/servers";
import { findUser, updateUser, withNewIdentity } from "@/db/queries/users";
import { insertWorkspaceSession } from "@/db/queries/workspace-auth";
import { auditEvents, projects, serverShareCodes, serverShares, servers, users, workspaceSessions } from "@/db/schema";
import { serverRowFixture } from "@/db/server-fixture";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { can } from "@/lib/auth/access";
import { personPrincipal, type Principal } from "@/lib/auth/principal";
import { bindIds } from "@/lib/auth/testing";
import { addMember, createProject, removeMember, removeProject } from "@/lib/projects/manage";
import { setWorkspaceWebSocketCloser } from "@/lib/workspaces/connections";
import type { WorkspaceUpstream } from "@/lib/workspaces/proxy-policy";
import { serverResourceAt } from "@/lib/workspaces/query";
import {
  acceptShareCode,
  createShareCode,
  deleteServerShareCodes,
  describeShareCode,
  listServerShareCodes,
  MAX_CODES_PER_SERVER,
} from "./codes";
import { listServerShares, patchShare, revokeShares, sharedWith, shareServer } from "./shares";

const alice: Principal = { name: "alice", role: "user", admin: false, via: "session" };
const bob: Principal = { name: "bob", role: "user", admin: false, via: "session" };
const carol: Principal = { name: "carol", role: "user", admin: false, via: "session", groups: ["team"] };
const dave: Principal = { name: "dave", role: "user", admin: false, via: "session" };
const root: Principal = { name: "root", role: "admin", admin: true, via: "session" };
const X = { user: "alice", server: "default" };
const t0 = new Date("2026-12-07T12:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);
const mayUse = async (db: Parameters<typeof serverResourceAt>[0], who: Principal) =>
  can(who, "use", await serverResourceAt(db, X.user, X.server));

/** One open WebSocket to X per caller, closed through the proxy's hook as server.ts wires it. */
function openSockets(callers: readonly Principal[]): Array<{ upstream: WorkspaceUpstream; open: boolean }> {
  const sockets = callers.map((caller) => ({
    upstream: { url: "http://x", label: "alice/default", auth: {}, secrets: [], ref: X, caller },
    open: true,
  }));
  setWorkspaceWebSocketCloser((match) => {
    let n = 0;
    for (const s of sockets) {
      if (!s.open || !match(s.upstream)) continue;
      s.open = false;
      n++;
    }
    return n;
  });
  return sockets;
}

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(serverShareCodes);
      await db().delete(serverShares);
      await db().delete(workspaceSessions);
      await db().delete(servers);
      await db().delete(auditEvents);
      await db().delete(users);
      await db().delete(projects);
      await db()
        .insert(users)
        .values([
          withNewIdentity({ name: "alice", role: "user", roleSource: "oidc" }),
          withNewIdentity({ name: "bob", role: "user", roleSource: "oidc" }),
          withNewIdentity({ name: "carol", role: "user", roleSource: "oidc", ssoGroups: ["team"] }),
          withNewIdentity({ name: "dave", role: "user", roleSource: "oidc", ssoGroups: ["other"] }),
          withNewIdentity({ name: "root", role: "admin", roleSource: "config" }),
        ]);
      await bindIds(db(), alice, bob, carol, dave, root);
      await upsertServer(db(), await serverRowFixture(db(), "alice", "default"));
      setWorkspaceWebSocketCloser(() => 0);
    });

    it("the owner shares with a person: she may use it, nothing more, and finds it under Shared with me; audited once", async () => {
      expect(await mayUse(db(), bob)).toBe(false);
      const first = await shareServer(db(), alice, X, { user: "bob" });
      expect(first.created).toBe(true);
      expect(first.share).toMatchObject({
        kind: "user",
        user: { name: "bob" },
        group: null,
        scopes: ["access:servers!server=alice/default"],
      });
      expect((await shareServer(db(), alice, X, { user: "bob" })).created).toBe(false);
      expect(await mayUse(db(), bob)).toBe(true);
      const resource = await serverResourceAt(db(), X.user, X.server);
      for (const action of ["read", "write", "operate"] as const) expect(can(bob, action, resource), action).toBe(false);
      expect((await sharedWith(db(), bob, "bob")).map((s) => `${s.server.user.name}/${s.server.name}`)).toEqual(["alice/default"]);
      expect(await sharedWith(db(), dave, "dave")).toEqual([]);
      expect((await listServerShares(db(), alice, X)).map((s) => s.user?.name)).toEqual(["bob"]);
      const audit = await db().select().from(auditEvents).where(eq(auditEvents.action, "share.create"));
      expect(audit.map((a) => [a.actor, a.target])).toEqual([["alice", "alice/default"]]);
    });

    it("only the owner or an admin manages shares and links; others are refused and change nothing", async () => {
      await expect(shareServer(db(), bob, X, { user: "dave" })).rejects.toMatchObject({ status: 403 });
      await expect(listServerShares(db(), bob, X)).rejects.toMatchObject({ status: 403 });
      await expect(createShareCode(db(), bob, X)).rejects.toMatchObject({ status: 403 });
      await shareServer(db(), alice, X, { user: "bob" });
      // A share does not make bob a manager: he cannot pass it on, list it, or revoke others'.
      await expect(shareServer(db(), bob, X, { user: "dave" })).rejects.toMatchObject({ status: 403 });
      await expect(revokeShares(db(), bob, X)).rejects.toMatchObject({ status: 403 });
      await expect(listServerShareCodes(db(), bob, X)).rejects.toMatchObject({ status: 403 });
      expect((await shareServer(db(), root, X, { user: "dave" })).created).toBe(true);
      expect((await listServerShares(db(), alice, X)).map((s) => s.user?.name).sort()).toEqual(["bob", "dave"]);
      await expect(sharedWith(db(), bob, "dave")).rejects.toMatchObject({ status: 403 });
      expect(await sharedWith(db(), root, "dave")).toHaveLength(1);
    });

    it("bad grantees and servers are 4xx and store nothing", async () => {
      await expect(shareServer(db(), alice, X, { user: "nobody" })).rejects.toMatchObject({ status: 404, code: "user_not_found" });
      await expect(shareServer(db(), alice, X, { user: "alice" })).rejects.toMatchObject({ status: 400, code: "share_with_owner" });
      await expect(shareServer(db(), alice, { user: "alice", server: "none" }, { user: "bob" })).rejects.toMatchObject({
        status: 404,
        code: "server_not_found",
      });
      await expect(shareServer(db(), alice, X, { user: "bob", scopes: ["admin:servers"] })).rejects.toMatchObject({
        status: 400,
        code: "invalid_scopes",
      });
      await expect(revokeShares(db(), alice, X, { user: "bob" })).rejects.toMatchObject({ status: 404, code: "share_not_found" });
      expect(await db().select().from(serverShares)).toEqual([]);
    });

    it("a group share admits whoever holds the group at sign-in, and not once it is gone", async () => {
      await shareServer(db(), alice, X, { group: "team" });
      expect(await mayUse(db(), carol)).toBe(true);
      expect(await mayUse(db(), dave)).toBe(false);
      expect(await mayUse(db(), { ...bob, groups: ["Team", "team-2"] })).toBe(false);
      expect((await sharedWith(db(), carol, "carol")).map((s) => s.group?.name)).toEqual(["team"]);
      await updateUser(db(), "carol", { ssoGroups: [] });
      expect(await sharedWith(db(), carol, "carol")).toEqual([]);
      expect(await mayUse(db(), { ...carol, groups: [] })).toBe(false);
    });

    it("a project share admits its members in any role, while they are members; revoking it closes their WebSockets", async () => {
      // As resolvePrincipal builds them: with their project roles.
      const fresh = async (p: Principal) => personPrincipal(db(), (await findUser(db(), p.name))!, "session");
      await createProject(db(), alice, { name: "vision", description: "" });
      await addMember(db(), await fresh(alice), "vision", { name: "bob", role: "viewer" });
      await addMember(db(), await fresh(alice), "vision", { group: "team", role: "user" });
      await createProject(db(), dave, { name: "dave-only", description: "" });
      // A project she is not in does not exist for her, as everywhere.
      await expect(shareServer(db(), await fresh(alice), X, { project: "dave-only" })).rejects.toMatchObject({
        status: 404,
        code: "project_not_found",
      });
      expect(await mayUse(db(), await fresh(bob))).toBe(false);
      const { share } = await shareServer(db(), await fresh(alice), X, { project: "vision" });
      expect(share).toMatchObject({ kind: "project", project: { name: "vision" }, user: null, group: null });
      expect((await listServerShares(db(), alice, X)).map((s) => s.project?.name)).toEqual(["vision"]);
      expect(await mayUse(db(), await fresh(bob))).toBe(true);
      expect(await mayUse(db(), await fresh(carol))).toBe(true);
      expect(await mayUse(db(), await fresh(dave))).toBe(false);
      const resource = await serverResourceAt(db(), X.user, X.server);
      for (const action of ["read", "write", "operate"] as const) expect(can(await fresh(bob), action, resource), action).toBe(false);
      expect((await sharedWith(db(), bob, "bob")).map((s) => s.project?.name)).toEqual(["vision"]);
      expect(await sharedWith(db(), dave, "dave")).toEqual([]);

      // Leaving the project ends it for her at her next request.
      await removeMember(db(), await fresh(alice), "vision", "bob");
      expect(await mayUse(db(), await fresh(bob))).toBe(false);
      expect(await sharedWith(db(), bob, "bob")).toEqual([]);
      await addMember(db(), await fresh(alice), "vision", { name: "bob", role: "editor" });

      const sockets = openSockets([await fresh(alice), await fresh(bob), await fresh(carol)]);
      expect(await revokeShares(db(), alice, X, { project: "vision" })).toBe(1);
      expect(sockets.map((s) => [s.upstream.caller.name, s.open])).toEqual([
        ["alice", true],
        ["bob", false],
        ["carol", false],
      ]);
      expect(await mayUse(db(), await fresh(bob))).toBe(false);
      await expect(revokeShares(db(), alice, X, { project: "dave-only" })).rejects.toMatchObject({ status: 404, code: "share_not_found" });
      await expect(revokeShares(db(), alice, X, { project: "no-such-project" })).rejects.toMatchObject({
        status: 404,
        code: "share_not_found",
      });
    });

    it("removing a member, or deleting the project, closes the WebSockets she opened through the project's share", async () => {
      const fresh = async (p: Principal) => personPrincipal(db(), (await findUser(db(), p.name))!, "session");
      await createProject(db(), alice, { name: "vision", description: "" });
      await addMember(db(), await fresh(alice), "vision", { name: "bob", role: "viewer" });
      await addMember(db(), await fresh(alice), "vision", { name: "dave", role: "editor" });
      await addMember(db(), await fresh(alice), "vision", { group: "team", role: "user" });
      await shareServer(db(), await fresh(alice), X, { project: "vision" });
      // Dave may also open it through a share of his own, which his leaving the project does not take away.
      await shareServer(db(), alice, X, { user: "dave" });
      const sockets = openSockets([await fresh(alice), await fresh(bob), await fresh(carol), await fresh(dave)]);
      const open = () => sockets.map((s) => [s.upstream.caller.name, s.open]);

      await removeMember(db(), await fresh(alice), "vision", "bob");
      expect(open()).toEqual([
        ["alice", true],
        ["bob", false],
        ["carol", true],
        ["dave", true],
      ]);
      await removeMember(db(), await fresh(alice), "vision", "dave");
      expect(open()).toEqual([
        ["alice", true],
        ["bob", false],
        ["carol", true],
        ["dave", true],
      ]);
      await removeProject(db(), await fresh(alice), "vision");
      expect(open()).toEqual([
        ["alice", true],
        ["bob", false],
        ["carol", false],
        ["dave", true],
      ]);
    });

    it("revoking ends her access, her workspace cookies and (through the proxy's hook) her WebSockets, not the owner's", async () => {
      await shareServer(db(), alice, X, { user: "bob" });
      await shareServer(db(), alice, X, { group: "team" });
      const expiresAt = at(3600_000);
      await insertWorkspaceSession(
        db(),
        {
          hash: "h-bob",
          ownerId: alice.userId ?? "",
          serverName: "default",
          principalId: bob.userId ?? "",
          portalSession: null,
          expiresAt,
        },
        t0,
      );
      await insertWorkspaceSession(
        db(),
        {
          hash: "h-alice",
          ownerId: alice.userId ?? "",
          serverName: "default",
          principalId: alice.userId ?? "",
          portalSession: null,
          expiresAt,
        },
        t0,
      );
      const sockets = openSockets([alice, bob, carol]);
      expect(await revokeShares(db(), alice, X, { user: "bob" })).toBe(1);
      expect(await mayUse(db(), bob)).toBe(false);
      expect(sockets.map((s) => [s.upstream.caller.name, s.open])).toEqual([
        ["alice", true],
        ["bob", false],
        ["carol", true],
      ]);
      expect((await db().select().from(workspaceSessions)).map((s) => s.principalId)).toEqual([alice.userId]);
      // JupyterHub's PATCH taking access:servers away is a revocation too.
      await patchShare(db(), alice, X, { group: "team", scopes: ["access:servers"] });
      expect(sockets.map((s) => s.open)).toEqual([true, false, false]);
      const audit = await db().select().from(auditEvents).where(eq(auditEvents.action, "share.revoke"));
      expect(audit).toHaveLength(2);
    });

    it("a share goes with its server's row", async () => {
      await shareServer(db(), alice, X, { user: "bob" });
      await db().delete(servers);
      expect(await db().select().from(serverShares)).toEqual([]);
    });

    it("a share link is stored hashed, expires, is accepted once, and a forged one opens nothing", async () => {
      const made = await createShareCode(db(), alice, X, 3600, t0);
      expect(made.accept_url).toContain(`/share/accept?code=${made.code}`);
      expect(JSON.stringify(await db().select().from(serverShareCodes))).not.toContain(made.code);
      expect(JSON.stringify(await listServerShareCodes(db(), alice, X, at(1)))).not.toContain(made.code);
      expect(await describeShareCode(db(), made.code, at(1))).toMatchObject({ ref: X });
      // The owner's own click does not use it up.
      await expect(acceptShareCode(db(), alice, made.code, at(1))).rejects.toMatchObject({ status: 400, code: "share_with_owner" });
      expect((await acceptShareCode(db(), bob, made.code, at(1000))).user).toEqual({ name: "bob" });
      expect(await mayUse(db(), bob)).toBe(true);
      await expect(acceptShareCode(db(), dave, made.code, at(2000))).rejects.toMatchObject({ status: 404, code: "share_code_invalid" });
      expect(await mayUse(db(), dave)).toBe(false);
      await expect(acceptShareCode(db(), dave, "forged-code-0123456789abcdef", at(2000))).rejects.toMatchObject({ status: 404 });

      const late = await createShareCode(db(), alice, X, 60, t0);
      expect(await describeShareCode(db(), late.code, at(61_000))).toBeNull();
      await expect(acceptShareCode(db(), dave, late.code, at(61_000))).rejects.toMatchObject({ status: 404, code: "share_code_invalid" });
      expect(await mayUse(db(), dave)).toBe(false);
      const actions = (await db().select().from(auditEvents)).map((a) => a.action).filter((a) => a.startsWith("share."));
      expect(actions.filter((a) => a === "share.code_accept")).toHaveLength(1);
      expect(actions.filter((a) => a === "share.code_create")).toHaveLength(2);
    });

    it("two people racing for one link: exactly one gets it", async () => {
      const made = await createShareCode(db(), alice, X);
      const results = await Promise.allSettled([acceptShareCode(db(), bob, made.code), acceptShareCode(db(), dave, made.code)]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      expect(await db().select().from(serverShares)).toHaveLength(1);
    });

    it("links are listed without their codes, deleted by id, and capped per server", async () => {
      const made = await createShareCode(db(), alice, X);
      expect((await listServerShareCodes(db(), alice, X)).map((c) => c.id)).toEqual([made.id]);
      await expect(deleteServerShareCodes(db(), alice, X, { id: "0000" })).rejects.toMatchObject({ status: 404 });
      expect(await deleteServerShareCodes(db(), alice, X, { id: made.id })).toBe(1);
      await expect(acceptShareCode(db(), bob, made.code)).rejects.toMatchObject({ status: 404 });
      for (let i = 0; i < MAX_CODES_PER_SERVER; i++) await createShareCode(db(), alice, X);
      await expect(createShareCode(db(), alice, X)).rejects.toMatchObject({ status: 409, code: "too_many_share_codes" });
      expect(await deleteServerShareCodes(db(), root, X, {})).toBe(MAX_CODES_PER_SERVER);
    });

    it("a namesake of a deleted grantee inherits nothing", async () => {
      await shareServer(db(), alice, X, { user: "bob" });
      const oldId = (await findUser(db(), "bob"))?.id;
      await db().delete(users).where(eq(users.name, "bob"));
      await db()
        .insert(users)
        .values(withNewIdentity({ name: "bob", role: "user", roleSource: "oidc" }));
      const newBob: Principal = { ...bob };
      await bindIds(db(), newBob);
      expect(newBob.userId).not.toBe(oldId);
      expect(await mayUse(db(), newBob)).toBe(false);
      expect(await db().select().from(serverShares)).toEqual([]);
    });
  });
}
