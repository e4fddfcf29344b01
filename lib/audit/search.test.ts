import { beforeEach, describe, expect, it } from "vitest";
import { auditEvents } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { auditQuerySchema } from "@/lib/admin/schemas";
import { listAuditEvents } from "./search";

const at = (iso: string) => new Date(iso);

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(auditEvents);
      await db()
        .insert(auditEvents)
        .values([
          { at: at("2026-03-01T10:00:00Z"), actor: "ann", action: "user.sign_in", target: "ann", detail: { method: "oidc" } },
          { at: at("2026-03-01T10:05:00Z"), actor: "ann", action: "server.start", target: "ann/default", detail: { cpu: 1 } },
          { at: at("2026-03-01T11:00:00Z"), actor: "root", action: "role.update", target: "user", detail: {} },
          {
            at: at("2026-03-01T12:00:00Z"),
            actor: "atrium",
            action: "server.cull",
            target: "ann/default",
            detail: { reason: "idle for 60 minutes" },
          },
          { at: at("2026-03-01T12:00:00Z"), actor: "root", action: "server.stop", target: "annie/default", detail: {} },
        ]);
    });
    const list = async (q: Record<string, unknown>) => listAuditEvents(db(), auditQuerySchema.parse(q));
    const actions = async (q: Record<string, unknown>) => (await list(q)).items.map((e) => e.action);

    it("lists newest first, the later insert first at the same time", async () => {
      expect(await actions({})).toEqual(["server.stop", "server.cull", "role.update", "server.start", "user.sign_in"]);
      const first = (await list({ limit: 1 })).items[0];
      expect(first).toMatchObject({
        at: "2026-03-01T12:00:00.000Z",
        actor: "root",
        action: "server.stop",
        target: "annie/default",
        detail: {},
      });
    });

    it("filters by who, by target (a user's servers included, not other users'), by action and by time", async () => {
      expect(await actions({ actor: "ann" })).toEqual(["server.start", "user.sign_in"]);
      expect(await actions({ target: "ann" })).toEqual(["server.cull", "server.start", "user.sign_in"]);
      expect(await actions({ action: "server.cull" })).toEqual(["server.cull"]);
      expect(await actions({ since: "2026-03-01T10:05", until: "2026-03-01T11:00" })).toEqual(["role.update", "server.start"]);
      expect(await actions({ since: "2026-03-01T11:00:00+01:00" })).toEqual([
        "server.stop",
        "server.cull",
        "role.update",
        "server.start",
        "user.sign_in",
      ]);
    });

    it("pages and says whether there is more", async () => {
      expect(await list({ limit: 2 })).toMatchObject({ hasMore: true });
      const last = await list({ limit: 2, offset: 4 });
      expect(last.hasMore).toBe(false);
      expect(last.items.map((e) => e.action)).toEqual(["user.sign_in"]);
    });

    it("refuses unknown actions and a range that ends before it starts", () => {
      expect(auditQuerySchema.safeParse({ action: "server.explode" }).success).toBe(false);
      expect(auditQuerySchema.safeParse({ since: "2026-03-02T00:00", until: "2026-03-01T00:00" }).success).toBe(false);
      expect(auditQuerySchema.safeParse({ since: "yesterday" }).success).toBe(false);
      // Year 0 is a valid Date but not a Postgres timestamp: refused here, not a 500 in the query.
      expect(auditQuerySchema.safeParse({ since: "0000-01-01T00:00" }).success).toBe(false);
      expect(auditQuerySchema.safeParse({ until: "0001-01-01T00:00+01:00" }).success).toBe(false);
      expect(auditQuerySchema.safeParse({ since: "0001-01-01T00:00:00Z" }).success).toBe(true);
    });
  });
}
