import { beforeEach, describe, expect, it } from "vitest";
import { auditEvents, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { deleteUser, findUser, insertUser, searchUsers, touchUserLastSeen, updateUser } from "./users";

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(auditEvents);
      await db().delete(users);
    });

    describe("insert / find / update / delete", () => {
      it("inserts a user with defaults and finds it", async () => {
        const row = await insertUser(db(), {
          name: "alice",
          role: "user",
          roleSource: "oidc",
          displayName: "Alice",
          email: "alice@corp.com",
        });
        expect(row).toBeDefined();
        expect(row).toMatchObject({
          name: "alice",
          role: "user",
          roleSource: "oidc",
          displayName: "Alice",
          email: "alice@corp.com",
          limits: {},
          lastSeenAt: null,
        });
        expect(row?.createdAt).toBeInstanceOf(Date);
        expect(Math.abs((row?.createdAt.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
        expect(await findUser(db(), "alice")).toStrictEqual(row);
      });

      it("leaves display name and email null when not given", async () => {
        const row = await insertUser(db(), { name: "bob", role: "power", roleSource: "default" });
        expect(row?.displayName).toBeNull();
        expect(row?.email).toBeNull();
      });

      it("returns undefined on a name conflict and leaves the first row alone", async () => {
        await insertUser(db(), { name: "alice", role: "user", roleSource: "oidc", displayName: "Alice" });
        const again = await insertUser(db(), { name: "alice", role: "admin", roleSource: "admin", displayName: "Other" });
        expect(again).toBeUndefined();
        const stored = await findUser(db(), "alice");
        expect(stored?.role).toBe("user");
        expect(stored?.roleSource).toBe("oidc");
        expect(stored?.displayName).toBe("Alice");
      });

      it("refuses a role that does not exist", async () => {
        await expect(insertUser(db(), { name: "carol", role: "wizard", roleSource: "admin" })).rejects.toThrow();
        expect(await findUser(db(), "carol")).toBeUndefined();
      });

      it("finds nothing for an unknown name", async () => {
        expect(await findUser(db(), "nobody")).toBeUndefined();
      });

      it("updates the given fields only", async () => {
        await insertUser(db(), { name: "alice", role: "user", roleSource: "oidc", displayName: "Alice", email: "a@x.org" });
        const updated = await updateUser(db(), "alice", { role: "power", roleSource: "admin", limits: { maxCpu: 4 } });
        expect(updated).toMatchObject({
          name: "alice",
          role: "power",
          roleSource: "admin",
          limits: { maxCpu: 4 },
          displayName: "Alice",
          email: "a@x.org",
        });
        expect(await findUser(db(), "alice")).toStrictEqual(updated);
        const cleared = await updateUser(db(), "alice", { displayName: null, email: null });
        expect(cleared?.displayName).toBeNull();
        expect(cleared?.email).toBeNull();
        expect(cleared?.role).toBe("power");
      });

      it("returns undefined when updating an unknown user", async () => {
        expect(await updateUser(db(), "nobody", { role: "power" })).toBeUndefined();
      });

      it("deletes a user once", async () => {
        await insertUser(db(), { name: "alice", role: "user", roleSource: "oidc" });
        await insertUser(db(), { name: "bob", role: "user", roleSource: "oidc" });
        expect(await deleteUser(db(), "alice")).toBe(true);
        expect(await findUser(db(), "alice")).toBeUndefined();
        expect(await deleteUser(db(), "alice")).toBe(false);
        expect((await findUser(db(), "bob"))?.name).toBe("bob");
      });
    });

    describe("searchUsers", () => {
      beforeEach(async () => {
        await insertUser(db(), { name: "alice", role: "user", roleSource: "oidc", displayName: "Alice Smith", email: "alice@corp.com" });
        await insertUser(db(), { name: "bob", role: "user", roleSource: "oidc", displayName: "Bobby", email: "BOB@Example.org" });
        await insertUser(db(), { name: "carol", role: "power", roleSource: "admin", displayName: "Carol 100%", email: "carol_x@corp.com" });
        await insertUser(db(), { name: "dave", role: "user", roleSource: "default", displayName: null, email: "daveXx@corp.com" });
        await insertUser(db(), { name: "erin", role: "user", roleSource: "default", displayName: "Erin 1000", email: null });
      });

      const names = (r: { items: { name: string }[] }) => r.items.map((u) => u.name);

      it("lists everyone by name with the total", async () => {
        const r = await searchUsers(db(), { offset: 0, limit: 50 });
        expect(names(r)).toEqual(["alice", "bob", "carol", "dave", "erin"]);
        expect(r.total).toBe(5);
      });

      it("pages with offset and limit while the total counts all matches", async () => {
        const r = await searchUsers(db(), { offset: 1, limit: 2 });
        expect(names(r)).toEqual(["bob", "carol"]);
        expect(r.total).toBe(5);
        const last = await searchUsers(db(), { offset: 4, limit: 2 });
        expect(names(last)).toEqual(["erin"]);
        const past = await searchUsers(db(), { offset: 10, limit: 2 });
        expect(names(past)).toEqual([]);
        expect(past.total).toBe(5);
      });

      it("matches the name case-insensitively", async () => {
        const r = await searchUsers(db(), { q: "ALIC", offset: 0, limit: 50 });
        expect(names(r)).toEqual(["alice"]);
        expect(r.total).toBe(1);
      });

      it("matches the display name case-insensitively", async () => {
        expect(names(await searchUsers(db(), { q: "smith", offset: 0, limit: 50 }))).toEqual(["alice"]);
        expect(names(await searchUsers(db(), { q: "BOBBY", offset: 0, limit: 50 }))).toEqual(["bob"]);
      });

      it("matches the email case-insensitively", async () => {
        expect(names(await searchUsers(db(), { q: "example.ORG", offset: 0, limit: 50 }))).toEqual(["bob"]);
        const corp = await searchUsers(db(), { q: "@CORP.com", offset: 0, limit: 50 });
        expect(names(corp)).toEqual(["alice", "carol", "dave"]);
        expect(corp.total).toBe(3);
      });

      it("treats % literally", async () => {
        const r = await searchUsers(db(), { q: "100%", offset: 0, limit: 50 });
        expect(names(r)).toEqual(["carol"]);
        expect(r.total).toBe(1);
        expect(names(await searchUsers(db(), { q: "%", offset: 0, limit: 50 }))).toEqual(["carol"]);
      });

      it("treats _ literally", async () => {
        const r = await searchUsers(db(), { q: "_x", offset: 0, limit: 50 });
        expect(names(r)).toEqual(["carol"]);
        expect(r.total).toBe(1);
        expect(names(await searchUsers(db(), { q: "_", offset: 0, limit: 50 }))).toEqual(["carol"]);
      });

      it("treats a backslash literally", async () => {
        expect(names(await searchUsers(db(), { q: "\\", offset: 0, limit: 50 }))).toEqual([]);
        await insertUser(db(), { name: "frank", role: "user", roleSource: "default", displayName: "back\\slash" });
        expect(names(await searchUsers(db(), { q: "k\\s", offset: 0, limit: 50 }))).toEqual(["frank"]);
      });

      it("pages within the matches", async () => {
        const r = await searchUsers(db(), { q: "corp", offset: 1, limit: 1 });
        expect(names(r)).toEqual(["carol"]);
        expect(r.total).toBe(3);
      });

      it("returns nothing when nothing matches", async () => {
        expect(await searchUsers(db(), { q: "zzz", offset: 0, limit: 50 })).toEqual({ total: 0, items: [] });
      });

      it("treats an empty q as no filter", async () => {
        expect((await searchUsers(db(), { q: "", offset: 0, limit: 50 })).total).toBe(5);
      });
    });

    describe("touchUserLastSeen", () => {
      it("writes at most once a minute", async () => {
        await insertUser(db(), { name: "alice", role: "user", roleSource: "oidc" });
        const t0 = new Date("2030-01-01T00:00:00.000Z");
        await touchUserLastSeen(db(), "alice", t0);
        expect((await findUser(db(), "alice"))?.lastSeenAt).toEqual(t0);

        await touchUserLastSeen(db(), "alice", new Date(t0.getTime() + 59_000));
        expect((await findUser(db(), "alice"))?.lastSeenAt).toEqual(t0);

        await touchUserLastSeen(db(), "alice", new Date(t0.getTime() + 60_000));
        expect((await findUser(db(), "alice"))?.lastSeenAt).toEqual(t0);

        const t1 = new Date(t0.getTime() + 60_001);
        await touchUserLastSeen(db(), "alice", t1);
        expect((await findUser(db(), "alice"))?.lastSeenAt).toEqual(t1);
      });

      it("defaults to now and touches only the named user", async () => {
        await insertUser(db(), { name: "alice", role: "user", roleSource: "oidc" });
        await insertUser(db(), { name: "bob", role: "user", roleSource: "oidc" });
        const before = Date.now();
        await touchUserLastSeen(db(), "alice");
        const seen = (await findUser(db(), "alice"))?.lastSeenAt;
        expect(seen).toBeInstanceOf(Date);
        expect(seen!.getTime()).toBeGreaterThanOrEqual(before);
        expect(seen!.getTime()).toBeLessThanOrEqual(Date.now());
        expect((await findUser(db(), "bob"))?.lastSeenAt).toBeNull();
      });

      it("does nothing for an unknown user", async () => {
        await expect(touchUserLastSeen(db(), "nobody")).resolves.toBeUndefined();
        expect(await findUser(db(), "nobody")).toBeUndefined();
      });
    });
  });
}
