/**
 * The proxy's target lookup with its short-lived cache, on both databases: a running server is
 * remembered, a stop is seen at once (not after the TTL), non-running servers are never remembered.
 */
import { describe, expect, it } from "vitest";
import { updateServer, upsertServer } from "@/db/queries/servers";
import { insertUser } from "@/db/queries/users";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Db } from "@/db/client";
import { forgetWorkspaceTarget, resolveWorkspaceTarget } from "./target";
import { serverRowFixture } from "@/db/server-fixture";

async function runningServer(db: Db, user: string, server: string, url: string, token: string): Promise<void> {
  await insertUser(db, { name: user, role: "user", roleSource: "admin" });
  await upsertServer(db, await serverRowFixture(db, user, server, { url, jupyterToken: token }));
}

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);

    it("remembers a running server's target: a change in the row is not read again within the TTL", async () => {
      await runningServer(db(), "tc-alice", "default", "http://127.0.0.1:40001", "tok-a");
      expect(await resolveWorkspaceTarget(db(), "tc-alice", "default")).toMatchObject({ url: "http://127.0.0.1:40001", token: "tok-a" });
      // Written behind the cache's back (as another replica would): the cached answer still stands...
      await updateServer(db(), "tc-alice", "default", { url: "http://127.0.0.1:40002" });
      expect(await resolveWorkspaceTarget(db(), "tc-alice", "default")).toMatchObject({ url: "http://127.0.0.1:40001", token: "tok-a" });
      // ...until this process is told, as stopServer and reconcile do.
      forgetWorkspaceTarget(db(), "tc-alice", "default");
      expect(await resolveWorkspaceTarget(db(), "tc-alice", "default")).toMatchObject({ url: "http://127.0.0.1:40002", token: "tok-a" });
    });

    it("sees a stop at once when told, and never remembers a server that is not running", async () => {
      await runningServer(db(), "tc-bob", "default", "http://127.0.0.1:40003", "tok-b");
      expect(await resolveWorkspaceTarget(db(), "tc-bob", "default")).toMatchObject({ url: "http://127.0.0.1:40003", token: "tok-b" });
      await updateServer(db(), "tc-bob", "default", { status: "stopping" });
      forgetWorkspaceTarget(db(), "tc-bob", "default");
      expect(await resolveWorkspaceTarget(db(), "tc-bob", "default")).toBeNull();
      // Running again: reachable on the very next request, no negative answer was kept.
      await updateServer(db(), "tc-bob", "default", { status: "running", url: "http://127.0.0.1:40004" });
      expect(await resolveWorkspaceTarget(db(), "tc-bob", "default")).toMatchObject({ url: "http://127.0.0.1:40004", token: "tok-b" });
      expect(await resolveWorkspaceTarget(db(), "tc-nobody", "default")).toBeNull();
    });

    it("does not store an answer read before a forget that happened while it was in flight", async () => {
      await runningServer(db(), "tc-carol", "default", "http://127.0.0.1:40005", "tok-c");
      const inFlight = resolveWorkspaceTarget(db(), "tc-carol", "default");
      await updateServer(db(), "tc-carol", "default", { status: "stopped", url: null, jupyterToken: null });
      forgetWorkspaceTarget(db(), "tc-carol", "default");
      await inFlight; // whatever it read, it must not be remembered
      expect(await resolveWorkspaceTarget(db(), "tc-carol", "default")).toBeNull();
    });

    it("shares one lookup between concurrent requests for the same server", async () => {
      await runningServer(db(), "tc-dave", "default", "http://127.0.0.1:40006", "tok-d");
      const [a, b] = [resolveWorkspaceTarget(db(), "tc-dave", "default"), resolveWorkspaceTarget(db(), "tc-dave", "default")];
      expect(a).toBe(b);
      expect(await a).toMatchObject({ url: "http://127.0.0.1:40006", token: "tok-d" });
    });
  });
}
