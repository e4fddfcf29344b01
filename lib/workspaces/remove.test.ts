import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { findServer, upsertServer } from "@/db/queries/servers";
import { withNewIdentity } from "@/db/queries/users";
import { auditEvents, servers, users } from "@/db/schema";
import { serverRowFixture } from "@/db/server-fixture";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { bindIds } from "@/lib/auth/testing";
import { ApiError } from "@/lib/http/api-error";
import { removeServer } from "./remove";

const dee: Principal = { name: "dee", role: "user", admin: false, via: "session" };

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    beforeEach(async () => {
      await db().delete(servers);
      await db().delete(auditEvents);
      await db().delete(users);
      await db()
        .insert(users)
        .values([withNewIdentity({ name: "dee", role: "user", roleSource: "oidc" })]);
      await bindIds(db(), dee);
    });

    it("deletes a stopped or failed server and records who did", async () => {
      await upsertServer(db(), await serverRowFixture(db(), "dee", "old", { status: "stopped" }));
      await upsertServer(db(), await serverRowFixture(db(), "dee", "broken", { status: "failed", reason: "exited with code 1" }));
      await removeServer(db(), dee, "dee", "old");
      await removeServer(db(), dee, "dee", "broken");
      expect(await findServer(db(), "dee", "old")).toBeUndefined();
      expect(await findServer(db(), "dee", "broken")).toBeUndefined();
      const audit = await db().select().from(auditEvents).where(eq(auditEvents.action, "server.delete"));
      expect(audit.map((a) => [a.actor, a.target]).sort()).toEqual([
        ["dee", "dee/broken"],
        ["dee", "dee/old"],
      ]);
    });

    it("refuses an active server with 409 and keeps it, and a missing one with 404", async () => {
      for (const status of ["pending", "running", "stopping"] as const) {
        await upsertServer(db(), await serverRowFixture(db(), "dee", status, { status }));
        const err = await removeServer(db(), dee, "dee", status).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ApiError);
        expect(err).toMatchObject({
          status: 409,
          code: "server_active",
          message: `The server dee/${status} is ${status}; stop it before deleting it.`,
        });
        expect(await findServer(db(), "dee", status)).toBeDefined();
      }
      await expect(removeServer(db(), dee, "dee", "nothing")).rejects.toMatchObject({ status: 404, code: "server_not_found" });
    });
  });
}
