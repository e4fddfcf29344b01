import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { storedBytes } from "@/db/queries/storage-usage";
import { withNewIdentity } from "@/db/queries/users";
import { storageUsage, users } from "@/db/schema";
import { ApiError } from "@/lib/http/api-error";
import { principal, testUserId, trackingClient } from "@/lib/tracking/testing";
import { segmentsFromPath } from "./paths";
import { LocalArtifactStore } from "./local-store";
import { S3ArtifactStore } from "./s3-store";
import { startTestS3, type TestS3 } from "./s3-testing";
import type { ArtifactStore } from "./store";
import { recountStorage } from "./recount";
import { deleteArtifact, downloadArtifact, listArtifacts, uploadArtifact } from "./service";

async function* text(s: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(s);
}

async function rejection(p: Promise<unknown>): Promise<{ status: number; code: string; message: string; extra?: Record<string, string> }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return { status: err.status, code: err.code, message: err.message, ...(Object.keys(err.extra).length ? { extra: err.extra } : {}) };
}

/** `n` chunks of `size` bytes, counting how many the consumer pulled. */
async function* sized(n: number, size: number, pulled = { n: 0 }): AsyncIterable<Uint8Array> {
  for (let i = 0; i < n; i++) {
    pulled.n++;
    yield new Uint8Array(size).fill(0x61);
  }
}

const root = mkdtempSync(path.join(os.tmpdir(), "atrium-artifact-service-"));
let s3: TestS3 | undefined;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await s3?.stop();
});

/** The same service behaviour on either store. */
const STORES: Record<string, (kind: string) => ArtifactStore> = {
  local: (kind) => new LocalArtifactStore(path.join(root, kind)),
  s3: (kind) => {
    if (!s3) throw new Error("s3rver is not running");
    return new S3ArtifactStore({ client: s3.client, bucket: s3.bucket, prefix: `service/${kind}/${randomUUID()}` });
  },
};

const CASES = Object.entries(STORES).flatMap(([storeKind, makeStore]) => DB_KINDS.map((kind) => ({ kind, storeKind, makeStore })));

for (const { kind, storeKind, makeStore } of CASES) {
  describe(`${kind}, ${storeKind} store`, () => {
    const db = useTestDatabase(kind);
    const mlflow = trackingClient(db);
    let store: ArtifactStore;
    beforeAll(() => {
      store = makeStore(kind);
    });
    const owner = principal("art-owner");
    const other = principal("art-other");
    const admin = principal("art-admin", true);
    let artifactUri = "";
    let runId = "";

    beforeEach(async () => {
      const exp = await mlflow.ok(mlflow.call("POST", "experiments/create", { name: `artifacts-${Math.random()}` }, owner));
      const created = await mlflow.ok(mlflow.call("POST", "runs/create", { experiment_id: exp.experiment_id }, owner));
      const info = (created.run as { info: { artifact_uri: string; run_id: string } }).info;
      artifactUri = info.artifact_uri;
      runId = info.run_id;
      expect(artifactUri).toBe(`mlflow-artifacts:/${String(exp.experiment_id)}/${runId}/artifacts`);
    });

    const under = (rel: string) => segmentsFromPath(`${artifactUri.slice("mlflow-artifacts:/".length)}${rel ? `/${rel}` : ""}`);

    it("lets the owner upload, anyone read and list, and the owner delete", async () => {
      expect(await uploadArtifact({ db: db(), principal: owner, store }, under("model/MLmodel"), text("flavors: {}\n"))).toEqual({
        size: 12,
      });
      await uploadArtifact({ db: db(), principal: admin, store }, under("notes.txt"), text("by an admin"));
      const asOther = { db: db(), principal: other, store };
      expect(await listArtifacts(asOther, under(""))).toEqual({
        files: [
          { path: "model", is_dir: true },
          { path: "notes.txt", is_dir: false, file_size: 11 },
        ],
      });
      expect(await listArtifacts(asOther, under("model"))).toEqual({ files: [{ path: "MLmodel", is_dir: false, file_size: 12 }] });
      expect(await listArtifacts(asOther, under("nothing-here"))).toEqual({});
      const { name, file } = await downloadArtifact(asOther, under("model/MLmodel"));
      expect(name).toBe("MLmodel");
      expect(await new Response(file.stream).text()).toBe("flavors: {}\n");
      expect(await deleteArtifact({ db: db(), principal: owner, store }, under("model"))).toEqual({});
      expect(await listArtifacts(asOther, under(""))).toEqual({ files: [{ path: "notes.txt", is_dir: false, file_size: 11 }] });
    });

    it("refuses writes by anyone but the owner or an admin", async () => {
      const asOther = { db: db(), principal: other, store };
      expect(await rejection(uploadArtifact(asOther, under("x.txt"), text("no")))).toEqual({
        status: 403,
        code: "forbidden",
        message: `Only art-owner or an admin may change the artifacts of run ${runId}.`,
      });
      expect((await rejection(deleteArtifact(asOther, under("")))).status).toBe(403);
      expect(await listArtifacts(asOther, under(""))).toEqual({});
    });

    describe("the owner's storage quota", () => {
      // 4 KiB: 2^-18 GiB is exact in floating point.
      const QUOTA = 4096;
      const quotaOwner = principal("art-quota");
      let quotaRun: string[] = [];
      beforeEach(async () => {
        await db()
          .insert(users)
          .values({
            ...withNewIdentity({ name: "art-quota", role: "user", limits: { maxStorageGb: QUOTA / 1024 ** 3 } }),
            id: testUserId("art-quota"),
          })
          .onConflictDoUpdate({ target: users.name, set: { limits: { maxStorageGb: QUOTA / 1024 ** 3 } } });
        await db().delete(storageUsage);
        const exp = await mlflow.ok(mlflow.call("POST", "experiments/create", { name: `quota-${Math.random()}` }, quotaOwner));
        const created = await mlflow.ok(mlflow.call("POST", "runs/create", { experiment_id: exp.experiment_id }, quotaOwner));
        quotaRun = segmentsFromPath(
          (created.run as { info: { artifact_uri: string } }).info.artifact_uri.slice("mlflow-artifacts:/".length),
        );
      });
      const at = (rel: string) => [...quotaRun, ...rel.split("/")];

      it("refuses an upload past the quota mid-stream, keeps nothing of it, and counts uploads and deletes", async () => {
        const ctx = { db: db(), principal: quotaOwner, store };
        await uploadArtifact(ctx, at("a.bin"), sized(3, 1000));
        expect(await storedBytes(db(), testUserId("art-quota"))).toBe(3000);
        const pulled = { n: 0 };
        expect(await rejection(uploadArtifact(ctx, at("big/b.bin"), sized(100, 256, pulled)))).toEqual({
          status: 413,
          code: "storage_quota_exceeded",
          message:
            "This upload would take art-quota's artifacts past their storage quota of 4.0 KiB (2.9 KiB in use); delete artifacts or ask an admin for more.",
          extra: { error_code: "RESOURCE_EXHAUSTED" },
        });
        // 3000 + 4 × 256 fits in 4096; the fifth chunk does not, and the other 95 are never read.
        expect(pulled.n).toBe(5);
        expect(await listArtifacts(ctx, at("big"))).toEqual({});
        expect(await listArtifacts(ctx, quotaRun)).toEqual({ files: [{ path: "a.bin", is_dir: false, file_size: 3000 }] });
        expect(await storedBytes(db(), testUserId("art-quota"))).toBe(3000);
        // An admin's upload to the run counts against the run's owner.
        await uploadArtifact({ db: db(), principal: admin, store }, at("dir/c.bin"), sized(1, 1000));
        expect(await storedBytes(db(), testUserId("art-quota"))).toBe(4000);
        await deleteArtifact(ctx, at("dir"));
        expect(await storedBytes(db(), testUserId("art-quota"))).toBe(3000);
      });

      it("refuses a declared length that cannot fit before reading a byte", async () => {
        const pulled = { n: 0 };
        const refused = await rejection(
          uploadArtifact({ db: db(), principal: quotaOwner, store }, at("x.bin"), sized(1, 10, pulled), 5000),
        );
        expect([refused.status, refused.code, pulled.n]).toEqual([413, "storage_quota_exceeded", 0]);
        expect(await storedBytes(db(), testUserId("art-quota"))).toBe(0);
      });

      it("lets an overwrite reuse the bytes of the file it replaces", async () => {
        const ctx = { db: db(), principal: quotaOwner, store };
        await uploadArtifact(ctx, at("model.bin"), sized(3, 1000));
        await uploadArtifact(ctx, at("model.bin"), sized(4, 1000));
        expect(await storedBytes(db(), testUserId("art-quota"))).toBe(4000);
        await uploadArtifact(ctx, at("model.bin"), sized(1, 10));
        expect(await storedBytes(db(), testUserId("art-quota"))).toBe(10);
      });

      it("keeps the count equal to what is stored through 20 parallel overwrites and deletes of the same keys", async () => {
        await db()
          .update(users)
          .set({ limits: { maxStorageGb: 1 } })
          .where(eq(users.id, testUserId("art-quota")));
        const ctx = { db: db(), principal: quotaOwner, store };
        // The owner's earlier runs hold files too: counted from the store first.
        await recountStorage(db(), store, admin);
        const before = await storedBytes(db(), testUserId("art-quota"));
        await uploadArtifact(ctx, at("model.bin"), sized(10, 1000));
        await uploadArtifact(ctx, at("dir/weights.bin"), sized(4, 1000));
        // Different sizes per writer, so a count measured against the wrong replaced file cannot come out right by luck.
        const keys = ["model.bin", "dir/weights.bin", "dir"];
        const ops = Array.from({ length: 20 }, (_, i) => {
          const key = keys[i % keys.length] ?? "model.bin";
          return i % 4 === 3 || key === "dir"
            ? deleteArtifact(ctx, at(key))
            : uploadArtifact(ctx, at(key), sized(1 + (i % 7), 1000 + 37 * i));
        });
        const outcomes = await Promise.allSettled(ops);
        // A file under a folder being deleted may conflict; nothing else may fail.
        for (const o of outcomes) if (o.status === "rejected") expect((o.reason as ApiError).status).toBe(409);
        const counted = await storedBytes(db(), testUserId("art-quota"));
        expect(counted - before).toBe(await store.sizeOf(quotaRun.join("/")));
        await recountStorage(db(), store, admin);
        expect(await storedBytes(db(), testUserId("art-quota"))).toBe(counted);
      });

      it("never lets parallel uploads pass the quota together", async () => {
        const ctx = { db: db(), principal: quotaOwner, store };
        const outcomes = await Promise.allSettled([1, 2, 3].map((i) => uploadArtifact(ctx, at(`p${i}.bin`), sized(10, 300))));
        const stored = outcomes.filter((o) => o.status === "fulfilled").length;
        expect(stored).toBeLessThanOrEqual(1);
        expect(await storedBytes(db(), testUserId("art-quota"))).toBe(stored * 3000);
        const files = (await listArtifacts(ctx, quotaRun)).files ?? [];
        expect(files).toHaveLength(stored);
      });
    });

    it("refuses paths outside a run, unknown runs and missing files", async () => {
      const ctx = { db: db(), principal: owner, store };
      expect(await rejection(listArtifacts(ctx, ["1"]))).toEqual({
        status: 400,
        code: "invalid_path",
        message: "Artifact paths start with <experiment_id>/<run_id>/artifacts, as in a run's artifact_uri.",
      });
      const missingRun = "f".repeat(32);
      expect(await rejection(listArtifacts(ctx, ["1", missingRun, "artifacts"]))).toEqual({
        status: 404,
        code: "run_not_found",
        message: `There is no run ${missingRun} in experiment 1.`,
      });
      expect((await rejection(downloadArtifact(ctx, under("absent.bin")))).status).toBe(404);
      expect((await rejection(uploadArtifact(ctx, under(""), text("x")))).status).toBe(400);
      await uploadArtifact(ctx, under("dir/file"), text("x"));
      expect((await rejection(uploadArtifact(ctx, under("dir"), text("y")))).status).toBe(409);
    });
  });
}
