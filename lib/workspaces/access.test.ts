import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { listTokens } from "@/db/queries/tokens";
import { findServer, upsertServer } from "@/db/queries/servers";
import { insertUser } from "@/db/queries/users";
import { apiTokens, auditEvents, servers, users } from "@/db/schema";
import { serverRowFixture } from "@/db/server-fixture";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { bindIds } from "@/lib/auth/testing";
import { apiError } from "@/lib/http/testing";
import { requireRunningWorkspace } from "@/lib/packages/workspace-target";
import type { Spawner } from "@/lib/spawner";
import { revokeApiToken } from "@/lib/tokens/manage";
import { createApiToken } from "@/lib/users/tokens";
import { authorizeWorkspace } from "./origin-auth";
import { removeServer } from "./remove";
import { startServer } from "./start";
import { stopServer } from "./stop";

/**
 * The lib functions that change a person's things refuse on their own (lib/auth/access.ts), whoever
 * calls them: a route that forgot its check, a page, a script. Nothing reaches the engine first.
 */
const untouchable = new Proxy({} as Spawner, {
  get: (_t, method) => () => Promise.reject(new Error(`the engine was asked to ${String(method)} for a refused caller`)),
});

const dee: Principal = { name: "dee", role: "user", admin: false, via: "session" };
const eve: Principal = { name: "eve", role: "user", admin: false, via: "session" };
const onlyDee = { status: 403, code: "forbidden", message: "Only dee or an admin may do this." };

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(servers);
      await db().delete(auditEvents);
      await db().delete(apiTokens);
      await db().delete(users);
      for (const name of ["dee", "eve"]) await insertUser(db(), { name, role: "user", roleSource: "default" });
      await bindIds(db(), dee, eve);
      await upsertServer(db(), await serverRowFixture(db(), "dee", "one", { status: "running", trackingTokenId: "tok_ws" }));
      await upsertServer(db(), await serverRowFixture(db(), "dee", "old", { status: "stopped" }));
    });

    const unchanged = async () => {
      expect((await findServer(db(), "dee", "one"))?.status).toBe("running");
      expect(await findServer(db(), "dee", "old")).toBeDefined();
      expect(await db().select().from(auditEvents)).toEqual([]);
    };

    it("stopServer, startServer and removeServer refuse another person's server without their route", async () => {
      for (const call of [
        () => stopServer(db(), untouchable, eve, "dee", "one"),
        () => startServer(db(), untouchable, eve, "dee", "two", { environment: "python", cpu: 0.5, memGb: 0.5 }),
        () => removeServer(db(), eve, "dee", "old"),
      ]) {
        expect(await apiError(call)).toMatchObject(onlyDee);
      }
      await unchanged();
    });

    it("authorizeWorkspace gives no code for another person's server", async () => {
      expect(await apiError(() => authorizeWorkspace(db(), eve, { user: "dee", server: "one" }, { state: "s" }, undefined))).toMatchObject(
        onlyDee,
      );
    });

    it("tokens are made and revoked only by their owner or an admin", async () => {
      const made = await createApiToken(db(), dee, "dee", {});
      expect(await apiError(() => createApiToken(db(), eve, "dee", {}))).toMatchObject(onlyDee);
      expect(await apiError(() => revokeApiToken(db(), eve, "dee", made.id))).toMatchObject(onlyDee);
      expect((await listTokens(db(), dee.userId ?? "")).map((t) => t.id)).toEqual([made.id]);
      expect(await db().select().from(auditEvents).where(eq(auditEvents.actor, "eve"))).toEqual([]);
    });

    it("a renamed person keeps her server and tokens: ownership is her id, the name only follows it", async () => {
      const made = await createApiToken(db(), dee, "dee", {});
      await db().update(users).set({ name: "dora" }).where(eq(users.name, "dee"));
      const dora: Principal = { ...dee, name: "dora" };
      // The names followed the rename (ON UPDATE CASCADE); the owner id did not need to.
      expect((await findServer(db(), "dora", "one"))?.ownerId).toBe(dee.userId);
      expect((await listTokens(db(), dee.userId ?? "")).map((t) => [t.id, t.userName])).toEqual([[made.id, "dora"]]);
      expect((await requireRunningWorkspace(db(), dora, "dora", "one")).name).toBe("one");
      await revokeApiToken(db(), dora, "dora", made.id);
      // A newcomer given the old name owns none of it.
      await insertUser(db(), { name: "dee", role: "user", roleSource: "default" });
      const newDee: Principal = { ...dee, userId: undefined };
      await bindIds(db(), newDee);
      expect(newDee.userId).not.toBe(dee.userId);
      expect(await apiError(() => requireRunningWorkspace(db(), newDee, "dora", "one"))).toMatchObject({ status: 403 });
      expect(await findServer(db(), "dee", "one")).toBeUndefined();
    });

    it("an install target is its owner's, and a workspace token's own server only", async () => {
      expect(await apiError(() => requireRunningWorkspace(db(), eve, "dee", "one"))).toMatchObject(onlyDee);
      const ws: Principal = { ...dee, via: "token", tokenKind: "workspace", tokenId: "tok_ws" };
      expect((await requireRunningWorkspace(db(), ws, "dee", "one")).name).toBe("one");
      expect(await apiError(() => requireRunningWorkspace(db(), ws, "dee", "old"))).toMatchObject({
        status: 403,
        code: "insufficient_scope",
        message: "This workspace's token may act only on its own server, not on dee/old.",
      });
    });
  });
}
