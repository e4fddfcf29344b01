import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { openDatabase } from "./client";
import { DB_KINDS, TEST_DATABASE_URL } from "./testing";
import { useTestDatabase } from "./testing-hooks";

for (const kind of DB_KINDS) {
  if (kind !== "postgres") continue; // PGlite: one process per data directory, nothing to race
  describe(kind, () => {
    useTestDatabase(kind);

    it("two replicas starting together on an empty database both come up, and each migration is applied once", async () => {
      const admin = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe("drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public;");
        const handles = await Promise.all([0, 1, 2].map(() => openDatabase({ databaseUrl: TEST_DATABASE_URL, dataDir: "" })));
        await Promise.all(handles.map((h) => h.close()));
        const applied = await admin<{ n: number; distinct: number }[]>`
          select count(*)::int as n, count(distinct hash)::int as distinct from drizzle.__drizzle_migrations`;
        const files = (await import("node:fs")).readdirSync("db/migrations").filter((f) => f.endsWith(".sql"));
        expect(applied[0]).toEqual({ n: files.length, distinct: files.length });
      } finally {
        await admin.end({ timeout: 1 });
      }
    });
  });
}
