import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { storedBytes } from "@/db/queries/storage-usage";
import { withNewIdentity } from "@/db/queries/users";
import { auditEvents, projects, storageUsage, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { segmentsFromPath } from "@/lib/artifacts/paths";
import { recountStorage } from "@/lib/artifacts/recount";
import { deleteArtifact, listArtifacts, uploadArtifact } from "@/lib/artifacts/service";
import type { Principal } from "@/lib/auth/principal";
import { ApiError } from "@/lib/http/api-error";
import { principal, testUserId, trackingClient } from "@/lib/tracking/testing";
import { addMember, createProject, getProject, setProjectAllowance } from "./manage";

const root = mkdtempSync(path.join(os.tmpdir(), "atrium-project-storage-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function* sized(n: number, size: number, pulled = { n: 0 }): AsyncIterable<Uint8Array> {
  for (let i = 0; i < n; i++) {
    pulled.n++;
    yield new Uint8Array(size).fill(0x62);
  }
}

async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string; message: string; extra: Record<string, string> }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return { status: err.status, code: err.code, message: err.message, extra: err.extra };
}

// 4 KiB: 2^-18 GiB is exact in floating point.
const BUDGET = 4096;
const REFUSED = (stored: string, adds: string) =>
  `Project "vision" allows 4.0 KiB of artifact storage; its runs and models store ${stored} and this upload adds ${adds}; delete artifacts or ask an admin to raise its allowance.`;

for (const kind of DB_KINDS) {
  describe(`${kind}: a project's storage budget`, () => {
    const db = useTestDatabase(kind);
    const mlflow = trackingClient(db);
    const store = new LocalArtifactStore(path.join(root, kind));
    const admin = principal("ps-admin", true);
    let alice: Principal;
    let bob: Principal;

    /** A run in a new experiment of `who`'s, made in `workspace` as an MLflow client would; its artifact path segments. */
    async function runIn(who: Principal, workspace: string): Promise<string[]> {
      const exp = await mlflow.ok(
        mlflow.call("POST", "experiments/create", { name: `ps-${Math.random()}` }, who, { "X-MLFLOW-WORKSPACE": workspace }),
      );
      const created = await mlflow.ok(mlflow.call("POST", "runs/create", { experiment_id: exp.experiment_id }, who));
      return segmentsFromPath((created.run as { info: { artifact_uri: string } }).info.artifact_uri.slice("mlflow-artifacts:/".length));
    }
    const inUse = async () => (await getProject(db(), admin, "vision")).inUse.storageBytes;

    beforeEach(async () => {
      await db().delete(projects);
      await db().delete(storageUsage);
      await db().delete(auditEvents);
      for (const name of ["ps-alice", "ps-bob"])
        await db()
          .insert(users)
          .values({ ...withNewIdentity({ name, role: "user" }), id: testUserId(name) })
          .onConflictDoNothing();
      await createProject(db(), principal("ps-alice"), { name: "vision", description: "" });
      const project = await getProject(db(), admin, "vision");
      expect(project.allowance.storageGb).toBeNull();
      const projectId = (await db().select({ id: projects.id }).from(projects))[0]?.id ?? "";
      alice = principal("ps-alice", false, { projectRoles: { [projectId]: "owner" } });
      await addMember(db(), alice, "vision", { name: "ps-bob", role: "editor" });
      bob = principal("ps-bob", false, { projectRoles: { [projectId]: "editor" } });
      // The three limits of before stay as they were when a client leaves the storage budget out.
      await setProjectAllowance(db(), admin, "vision", { cpu: null, memGb: null, endpoints: null, storageGb: BUDGET / 1024 ** 3 });
      await setProjectAllowance(db(), admin, "vision", { cpu: 4, memGb: null, endpoints: null });
    });

    it("counts every member's uploads into the project's experiments, refuses one past the budget naming project and limit, and keeps nothing of it", async () => {
      const { allowance } = await getProject(db(), admin, "vision");
      expect(allowance).toMatchObject({ cpu: 4, memGb: null, endpoints: null });
      // A real column: the budget comes back as float4 prints it, within a byte of 4 KiB.
      expect((allowance.storageGb ?? 0) * 1024 ** 3).toBeCloseTo(BUDGET, 0);
      const alices = await runIn(alice, "vision");
      const bobs = await runIn(bob, "vision");
      await uploadArtifact({ db: db(), principal: alice, store }, [...alices, "model.bin"], sized(3, 1000));
      expect(await inUse()).toBe(3000);

      // Declared too long: refused before a byte is read.
      const pulled = { n: 0 };
      expect(await refusal(uploadArtifact({ db: db(), principal: bob, store }, [...bobs, "a.bin"], sized(2, 1000, pulled), 2000))).toEqual({
        status: 413,
        code: "project_allowance_exceeded",
        message: REFUSED("2.9 KiB", "2.0 KiB"),
        extra: { error_code: "RESOURCE_EXHAUSTED" },
      });
      expect(pulled.n).toBe(0);
      // Undeclared: staged, then refused when it would become the file.
      expect(await refusal(uploadArtifact({ db: db(), principal: bob, store }, [...bobs, "b.bin"], sized(2, 1000)))).toMatchObject({
        status: 413,
        code: "project_allowance_exceeded",
        message: REFUSED("2.9 KiB", "2.0 KiB"),
      });
      expect(await listArtifacts({ db: db(), principal: bob, store }, bobs)).toEqual({});
      expect(await inUse()).toBe(3000);
      expect(await storedBytes(db(), testUserId("ps-bob"))).toBe(0);

      // Her personal space is not the project's: no budget there.
      const personal = await runIn(bob, "default");
      await uploadArtifact({ db: db(), principal: bob, store }, [...personal, "big.bin"], sized(5, 1000));
      expect(await inUse()).toBe(3000);

      // Overwriting reuses the replaced file's bytes; deleting frees them for everyone in the project.
      await uploadArtifact({ db: db(), principal: alice, store }, [...alices, "model.bin"], sized(4, 1000));
      expect(await inUse()).toBe(4000);
      await deleteArtifact({ db: db(), principal: alice, store }, [...alices, "model.bin"]);
      expect(await inUse()).toBe(0);
      await uploadArtifact({ db: db(), principal: bob, store }, [...bobs, "b.bin"], sized(2, 1000));
      expect(await inUse()).toBe(2000);
    });

    it("lets only one of two parallel uploads that together pass the budget through", async () => {
      const [a, b] = [await runIn(alice, "vision"), await runIn(bob, "vision")];
      const results = await Promise.allSettled([
        uploadArtifact({ db: db(), principal: alice, store }, [...a, "x.bin"], sized(3, 1000)),
        uploadArtifact({ db: db(), principal: bob, store }, [...b, "y.bin"], sized(3, 1000)),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      expect(await inUse()).toBe(3000);
    });

    it("a recount measures each experiment's bytes from the store", async () => {
      const run = await runIn(alice, "vision");
      await uploadArtifact({ db: db(), principal: alice, store }, [...run, "x.bin"], sized(1, 1500));
      await db().update(projects).set({ maxStorageGb: null });
      await recountStorage(db(), store, admin);
      expect(await inUse()).toBe(1500);
    });
  });
}
