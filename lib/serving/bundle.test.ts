/** A serving bundle planned and written from both artifact stores: the local folder and S3 (s3rver, a real S3 protocol server). */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyChunks } from "@/lib/artifacts/http";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { S3ArtifactStore } from "@/lib/artifacts/s3-store";
import { startTestS3, type TestS3 } from "@/lib/artifacts/s3-testing";
import { putFile, type ArtifactStore } from "@/lib/artifacts/store";
import { ApiError } from "@/lib/http/api-error";
import { bundleStream, planBundle } from "./bundle";
import { runtimeFile } from "./container-runtime";

const RUN_ID = "0123456789abcdef0123456789abcdef";
const MIB = 1024 * 1024;
const folders: string[] = [];
let s3: TestS3 | undefined;

beforeAll(async () => {
  s3 = await startTestS3(["atrium"]);
});
afterAll(async () => {
  await s3?.stop();
  for (const dir of folders) await rm(dir, { recursive: true, force: true });
});

const STORES: Record<string, () => Promise<ArtifactStore>> = {
  local: async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "atrium-bundle-"));
    folders.push(dir);
    return new LocalArtifactStore(dir);
  },
  s3: async () => {
    if (!s3) throw new Error("s3rver is not running");
    return new S3ArtifactStore({ client: s3.client, bucket: s3.bucket, prefix: `bundle/${randomUUID()}` });
  },
};

const put = (store: ArtifactStore, rel: string, bytes: Buffer) => putFile(store, `1/${RUN_ID}/artifacts/${rel}`, Readable.from([bytes]));
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => (e instanceof ApiError ? { status: e.status, code: e.code, message: e.message } : e),
  );
const blocks = async (name: string) => Math.ceil((await stat(runtimeFile(name))).size / 512) * 512;

for (const [kind, fresh] of Object.entries(STORES))
  describe(`${kind} store: a serving bundle`, () => {
    it("refuses a model past the byte cap, one outside the store and a folder without MLmodel, in one sentence each", async () => {
      const store = await fresh();
      await put(store, "m/MLmodel", Buffer.from("flavors: {}\n"));
      await put(store, "m/model.pkl", Buffer.alloc(3 * MIB));
      await put(store, "n/model.pkl", Buffer.from("x"));
      expect(await refusal(planBundle(store, `mlflow-artifacts:/1/${RUN_ID}/artifacts/m`, 2 * MIB))).toEqual({
        status: 413,
        code: "model_too_large",
        message: `The model at mlflow-artifacts:/1/${RUN_ID}/artifacts/m has more than 2 MiB of files, the most a serving bundle may hold (ATRIUM_SERVING_BUNDLE_MAX_MIB); serve a smaller model or ask an admin to raise the limit.`,
      });
      expect((await planBundle(store, `mlflow-artifacts:/1/${RUN_ID}/artifacts/m`, 4 * MIB)).modelBytes).toBe(3 * MIB + 12);
      expect(await refusal(planBundle(store, "s3://bucket/model", 1024))).toMatchObject({ status: 400, code: "model_outside_store" });
      expect(await refusal(planBundle(store, "mlflow-artifacts:/1/../../etc", 1024))).toMatchObject({
        status: 400,
        code: "invalid_model_location",
      });
      expect(await refusal(planBundle(store, `mlflow-artifacts:/1/${RUN_ID}/artifacts/n`, 1024))).toEqual({
        status: 400,
        code: "not_an_mlflow_model",
        message: `There is no MLmodel file at mlflow-artifacts:/1/${RUN_ID}/artifacts/n, so it is not an MLflow model directory.`,
      });
    });

    it("writes the whole tar, and ends the stream with an error when a file changes size while it is written", async () => {
      const store = await fresh();
      await put(store, "m/MLmodel", Buffer.from("flavors: {}\n"));
      await put(store, "m/sub/model.pkl", Buffer.from("12345"));
      const plan = await planBundle(store, `mlflow-artifacts:/1/${RUN_ID}/artifacts/m`, 1024);
      expect(plan.dirs).toEqual(["sub"]);
      const drain = async () => {
        let bytes = 0;
        for await (const chunk of bodyChunks(bundleStream(store, plan))) bytes += chunk.byteLength;
        return bytes;
      };
      // Two Python files; folders model/ and model/sub/; MLmodel and model.pkl (a header and a block each); two end blocks.
      expect(await drain()).toBe(512 * (2 + 2 + 2 + 2 + 2) + (await blocks("scoring_server.py")) + (await blocks("mlmodel.py")));
      await put(store, "m/sub/model.pkl", Buffer.from("123"));
      await expect(drain()).rejects.toThrow("model/sub/model.pkl changed while the bundle was written (3 of 5 bytes).");
    });
  });
