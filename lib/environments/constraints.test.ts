/**
 * Placement constraints on environments (used by the swarm backend): validated, stored, and kept by
 * an update that does not mention them (the pages' deprecate button sends every other field).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { findEnvironment } from "@/db/queries/environments";
import { openTestDatabase } from "@/db/testing";
import type { Principal } from "@/lib/auth/principal";
import { changeEnvironment, createEnvironment } from "./manage";
import { createEnvironmentSchema, updateEnvironmentSchema } from "./schemas";

const admin: Principal = { name: "admin", role: "admin", admin: true, via: "token" };
const base = { name: "GPU", image: "registry.example.com/gpu:1", defaultCpu: 2, defaultMemGb: 4 };
let handle: DbHandle;

beforeAll(async () => {
  handle = await openTestDatabase("pglite");
});
afterAll(async () => {
  await handle?.close();
});

describe("environment placement constraints", () => {
  it("accepts swarm constraint expressions and refuses anything else", () => {
    expect(createEnvironmentSchema.parse({ id: "gpu", ...base }).constraints).toEqual([]);
    expect(
      createEnvironmentSchema.parse({ id: "gpu", ...base, constraints: ["node.labels.gpu==true", "node.role != manager"] }).constraints,
    ).toEqual(["node.labels.gpu==true", "node.role != manager"]);
    for (const bad of ["gpu", "node.labels.gpu=true", "node.labels.gpu==", "a==b; rm -rf /", ""]) {
      expect(createEnvironmentSchema.safeParse({ id: "gpu", ...base, constraints: [bad] }).success, bad).toBe(false);
    }
    expect(updateEnvironmentSchema.parse(base).constraints).toBeUndefined();
  });

  it("stores them and keeps them through an update that leaves them out", async () => {
    await createEnvironment(
      handle.db,
      admin,
      createEnvironmentSchema.parse({ id: "gpu", ...base, constraints: ["node.labels.gpu==true"] }),
    );
    expect((await findEnvironment(handle.db, "gpu"))?.constraints).toEqual(["node.labels.gpu==true"]);

    await changeEnvironment(handle.db, admin, "gpu", updateEnvironmentSchema.parse({ ...base, deprecated: true }));
    const kept = await findEnvironment(handle.db, "gpu");
    expect(kept).toMatchObject({ deprecated: true, constraints: ["node.labels.gpu==true"] });

    await changeEnvironment(handle.db, admin, "gpu", updateEnvironmentSchema.parse({ ...base, constraints: [] }));
    expect((await findEnvironment(handle.db, "gpu"))?.constraints).toEqual([]);
    // The seeded environment has none.
    expect((await findEnvironment(handle.db, "python"))?.constraints).toEqual([]);
  });
});
