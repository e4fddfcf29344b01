/**
 * Test helper: a real S3 protocol server (s3rver, in its own process) with one bucket, and an SDK client for it.
 * s3rver keeps objects as plain files, accepts the access key S3RVER with any secret and does not verify
 * SigV4 signatures, so what only a real S3 or MinIO checks (signatures, checksums) is not tested by it.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { s3ClientFor } from "./s3-store";

const TEST_S3_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** A path-style client with s3rver's credentials. */
  client: S3Client;
  pid: number;
  /** Environment variables that point a portal's artifact store at this server. */
  env(prefix?: string): Record<string, string>;
  stop(): Promise<void>;
}

const root = path.resolve(import.meta.dirname, "..", "..");

/** Starts s3rver with these buckets (the first is `bucket`) and waits until it listens. */
export async function startTestS3(buckets: string[] = ["atrium"], timeoutMs = 20_000): Promise<TestS3> {
  const bucket = buckets[0];
  if (!bucket) throw new Error("startTestS3 needs at least one bucket");
  const directory = mkdtempSync(path.join(os.tmpdir(), "atrium-s3rver-"));
  const portFile = path.join(directory, "port");
  const log = openSync(path.join(directory, "s3rver.log"), "a");
  // stdin is a pipe on purpose: when this process dies, the server sees it close and exits.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(import.meta.dirname, "s3rver-process.ts"), path.join(directory, "data"), buckets.join(","), portFile],
    {
      cwd: root,
      // The parent's NODE_OPTIONS are left out: a test runner's own loader hooks are no business of the server's.
      env: { ...process.env, NODE_OPTIONS: "--openssl-legacy-provider" },
      stdio: ["pipe", log, log],
    },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(portFile)) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      const output = readFileSync(path.join(directory, "s3rver.log"), "utf8").slice(-2000);
      rmSync(directory, { recursive: true, force: true });
      throw new Error(`s3rver did not start (exit ${child.exitCode ?? child.signalCode ?? "none, timed out"}): ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const endpoint = `http://127.0.0.1:${readFileSync(portFile, "utf8")}`;
  // Credentials given, not taken from the environment, so tests do not depend on the machine's AWS_* variables.
  const client = s3ClientFor({ endpoint, region: "us-east-1", forcePathStyle: true }, TEST_S3_CREDENTIALS);
  return {
    endpoint,
    bucket,
    client,
    pid: child.pid ?? 0,
    env: (prefix) => ({
      ATRIUM_ARTIFACT_S3_BUCKET: bucket,
      ATRIUM_ARTIFACT_S3_ENDPOINT: endpoint,
      ...(prefix ? { ATRIUM_ARTIFACT_S3_PREFIX: prefix } : {}),
      AWS_ACCESS_KEY_ID: TEST_S3_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_S3_CREDENTIALS.secretAccessKey,
    }),
    stop: async () => {
      client.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
