import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { startTestS3, type TestS3 } from "../lib/artifacts/s3-testing";
import { bearer, userWithToken } from "./support/api";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, E2E_DATABASE_URL, extraPort, localUrl } from "./support/env";
import { startPortal, type RunningPortal } from "./support/portal";

/**
 * The mlflow-artifacts API of a portal configured for S3 (ATRIUM_ARTIFACT_S3_*), against s3rver: the bytes
 * must land in the bucket under the configured prefix, and nothing in the portal's local artifact folder.
 */
const PORT = extraPort(12);
const BASE = localUrl(PORT);
const OWNER = "art-s3-owner";
const API = "/api/2.0/mlflow-artifacts/artifacts";
const PREFIX = "atrium/artifacts";

test.describe.configure({ mode: "serial" });

let s3: TestS3 | undefined;
let portal: RunningPortal | undefined;
let dataDir = "";
let token = "";
let runPath = ""; // <experiment>/<run>/artifacts

function server(): TestS3 {
  if (!s3) throw new Error("s3rver is not running");
  return s3;
}

async function mlflowPost(request: APIRequestContext, op: string, data: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await request.post(`${BASE}/api/2.0/mlflow/${op}`, { headers: bearer(token), data });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function objectText(key: string): Promise<string> {
  const res = await server().client.send(new GetObjectCommand({ Bucket: server().bucket, Key: key }));
  return (await res.Body?.transformToString()) ?? "";
}

async function bucketKeys(): Promise<string[]> {
  const res = await server().client.send(new ListObjectsV2Command({ Bucket: server().bucket }));
  return (res.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])).sort();
}

test.beforeAll(async ({ request }) => {
  test.setTimeout(120_000);
  s3 = await startTestS3();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "atrium-art-s3-e2e-"));
  portal = await startPortal("artifacts-s3", PORT, {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    DATABASE_URL: E2E_DATABASE_URL,
    ATRIUM_DATA_DIR: dataDir,
    ATRIUM_PUBLIC_URL: BASE,
    ...s3.env(PREFIX),
  });
  token = await userWithToken(request, BASE, OWNER);
  const exp = await mlflowPost(request, "experiments/create", { name: `art-s3-${Date.now()}` });
  const run = (await mlflowPost(request, "runs/create", { experiment_id: exp.experiment_id })) as { run: { info: { run_id: string } } };
  runPath = `${String(exp.experiment_id)}/${run.run.info.run_id}/artifacts`;
});

test.afterAll(async () => {
  await portal?.stop();
  await s3?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("uploads, lists, downloads and deletes artifacts kept in the S3 bucket", async ({ request }) => {
  const auth = bearer(token);
  const put = await request.put(`${BASE}${API}/${runPath}/x.txt`, { headers: auth, data: Buffer.from("stored in a bucket\n") });
  expect([put.status(), await put.text()]).toEqual([200, "{}"]);
  const model = await request.put(`${BASE}${API}/${runPath}/model/MLmodel`, { headers: auth, data: Buffer.from("flavors: {}\n") });
  expect(model.status()).toBe(200);

  const listed = await request.get(`${BASE}${API}?path=${encodeURIComponent(runPath)}`, { headers: auth });
  expect(await listed.json()).toEqual({
    files: [
      { path: "model", is_dir: true },
      { path: "x.txt", is_dir: false, file_size: 19 },
    ],
  });
  const file = await request.get(`${BASE}${API}/${runPath}/x.txt`, { headers: auth });
  expect([file.status(), await file.text()]).toEqual([200, "stored in a bucket\n"]);

  expect(await bucketKeys()).toEqual([`${PREFIX}/${runPath}/model/MLmodel`, `${PREFIX}/${runPath}/x.txt`]);
  expect(await objectText(`${PREFIX}/${runPath}/x.txt`)).toBe("stored in a bucket\n");
  const localArtifacts = path.join(dataDir, "artifacts");
  expect(existsSync(localArtifacts) ? readdirSync(localArtifacts, { recursive: true }) : []).toEqual([]);

  const conflict = await request.put(`${BASE}${API}/${runPath}/model`, { headers: auth, data: Buffer.from("a file where a folder is") });
  expect([conflict.status(), ((await conflict.json()) as { error: string }).error]).toEqual([409, "artifact_conflict"]);

  expect((await request.delete(`${BASE}${API}/${runPath}/model`, { headers: auth })).status()).toBe(200);
  expect(await bucketKeys()).toEqual([`${PREFIX}/${runPath}/x.txt`]);
  expect((await request.delete(`${BASE}${API}/${runPath}/x.txt`, { headers: auth })).status()).toBe(200);
  await expect(
    server().client.send(new HeadObjectCommand({ Bucket: server().bucket, Key: `${PREFIX}/${runPath}/x.txt` })),
  ).rejects.toMatchObject({ name: "NotFound" });
  const gone = await request.get(`${BASE}${API}/${runPath}/x.txt`, { headers: auth });
  expect(gone.status()).toBe(404);
});
