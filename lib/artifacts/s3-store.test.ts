import { randomUUID } from "node:crypto";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalArtifactStore } from "./local-store";
import { putFile } from "./store";
import { artifactStoreFor } from "./store-for-config";
import { S3ArtifactStore } from "./s3-store";
import { startTestS3, type TestS3 } from "./s3-testing";
import { artifactStoreContract, chunks } from "./store-contract";

/** The store at a bucket's root gets a bucket of its own, emptied before each test. */
const ROOT_BUCKET = "atrium-root";
let s3: TestS3 | undefined;
beforeAll(async () => {
  s3 = await startTestS3(["atrium", ROOT_BUCKET]);
});
afterAll(async () => {
  await s3?.stop();
});

function server(): TestS3 {
  if (!s3) throw new Error("s3rver is not running");
  return s3;
}

/** Every key in the bucket, whatever its prefix. */
async function bucketKeys(): Promise<string[]> {
  const { client, bucket } = server();
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

describe("S3ArtifactStore under a key prefix", () => {
  // A fresh prefix per test: the tests share one bucket without seeing each other's objects.
  artifactStoreContract({
    fresh: async (options) =>
      new S3ArtifactStore({ client: server().client, bucket: server().bucket, prefix: `contract/${randomUUID()}`, ...options }),
  });
});

describe("S3ArtifactStore at the bucket's root", () => {
  artifactStoreContract({
    fresh: async (options) => {
      const store = new S3ArtifactStore({ client: server().client, bucket: ROOT_BUCKET, ...options });
      for (const entry of await store.list("")) await store.remove(entry.name);
      return store;
    },
  });
});

describe("artifactStoreFor", () => {
  it("picks S3 when a bucket is configured and the local folder otherwise", () => {
    const artifactS3 = { bucket: "atrium", prefix: undefined, endpoint: "http://127.0.0.1:9", region: "us-east-1", forcePathStyle: true };
    expect(artifactStoreFor({ dataDir: "/nowhere", artifactS3 })).toBeInstanceOf(S3ArtifactStore);
    expect(artifactStoreFor({ dataDir: "/nowhere", artifactS3: undefined })).toBeInstanceOf(LocalArtifactStore);
  });
});

describe("S3ArtifactStore keys", () => {
  it("puts objects at <prefix>/<key> and touches nothing outside its prefix", async () => {
    const { client, bucket } = server();
    const prefix = `keys/${randomUUID()}`;
    const store = new S3ArtifactStore({ client, bucket, prefix });
    const neighbour = new S3ArtifactStore({ client, bucket, prefix: `${prefix}-other` });
    await putFile(store, "1/r/artifacts/model/MLmodel", chunks("x"));
    await putFile(neighbour, "1/r/artifacts/model/MLmodel", chunks("y"));
    expect((await bucketKeys()).filter((k) => k.startsWith(prefix))).toEqual([
      `${prefix}-other/1/r/artifacts/model/MLmodel`,
      `${prefix}/1/r/artifacts/model/MLmodel`,
    ]);
    await store.remove("1");
    expect((await bucketKeys()).filter((k) => k.startsWith(prefix))).toEqual([`${prefix}-other/1/r/artifacts/model/MLmodel`]);
    expect(await store.list("")).toEqual([]);
  });

  it("uploads in parts when a file is bigger than one part", async () => {
    const { client, bucket } = server();
    const store = new S3ArtifactStore({ client, bucket, prefix: `parts/${randomUUID()}`, partSize: 5 * 1024 * 1024 });
    const part = (fill: number) => Buffer.alloc(1024 * 1024, fill);
    const body = Array.from({ length: 12 }, (_, i) => part(i));
    expect(await putFile(store, "1/r/artifacts/twelve.bin", chunks(...body))).toEqual({ size: 12 * 1024 * 1024 });
    const file = await store.open("1/r/artifacts/twelve.bin");
    const back = Buffer.from(await new Response(file?.stream).arrayBuffer());
    expect(back.equals(Buffer.concat(body))).toBe(true);
  });

  it("keeps the old object when a stream breaks after some parts went up", async () => {
    const { client, bucket } = server();
    const store = new S3ArtifactStore({ client, bucket, prefix: `parts/${randomUUID()}`, partSize: 5 * 1024 * 1024 });
    await putFile(store, "1/r/artifacts/model.bin", chunks("old model"));
    const breaking = async function* () {
      for (let i = 0; i < 12; i++) yield Buffer.alloc(1024 * 1024, i);
      throw new Error("client went away");
    };
    await expect(putFile(store, "1/r/artifacts/model.bin", breaking())).rejects.toThrow("client went away");
    const file = await store.open("1/r/artifacts/model.bin");
    expect([file?.size, await new Response(file?.stream).text()]).toEqual([9, "old model"]);
  });
});
