import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { ApiError } from "@/lib/http/api-error";
import { principal, trackingClient } from "@/lib/tracking/testing";
import { segmentsFromPath } from "./paths";
import { LocalArtifactStore } from "./local-store";
import { S3ArtifactStore } from "./s3-store";
import { startTestS3, type TestS3 } from "./s3-testing";
import type { ArtifactStore } from "./store";
import { deleteArtifact, downloadArtifact, listArtifacts, uploadArtifact } from "./service";

async function* text(s: string): AsyncIterable<Uint8Array> {
  yield Buffer.from(s);
}

async function rejection(p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return { status: err.status, code: err.code, message: err.message };
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
      expect(await uploadArtifact({ db: db(), principal: owner, store }, under("model/MLmodel"), text("flavors: {}\n"))).toEqual({ size: 12 });
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
