/**
 * What the jobs' engine tests share: an MLflow endpoint the containers reach (the real tracking
 * dispatch, and the artifact upload the notebook runner uses, behind a node http server on all
 * interfaces, reached as host.docker.internal), and
 * writing files into a person's home volume with a one-off container (argv, no shell).
 */
import { createServer, type Server } from "node:http";
import type { Db } from "@/db/client";
import { ARTIFACTS_ROUTE_PREFIX, bodyChunks, encodedTailOf } from "@/lib/artifacts/http";
import { segmentsFromUrlTail } from "@/lib/artifacts/paths";
import { uploadArtifact } from "@/lib/artifacts/service";
import type { ArtifactStore } from "@/lib/artifacts/store";
import { resolvePrincipal } from "@/lib/auth/principal";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { ApiError } from "@/lib/http/api-error";
import { DockerSpawner } from "@/lib/spawner";
import { auditEvents, experiments, jobExecutions, jobs, users } from "@/db/schema";
import type { JobDeps } from "./execute";
import { handleTrackingRequest } from "@/lib/tracking/http/dispatch";

export { writeHomeFiles } from "./write-home-testing";

export async function startTrackingEndpoint(db: () => Db, store: () => ArtifactStore): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const url = new URL(req.url ?? "/", "http://tracking.test");
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const request = new Request(url, { method: req.method ?? "GET", headers, ...(body && req.method !== "GET" ? { body } : {}) });
        const principal = await resolvePrincipal(db(), headers);
        const path = url.pathname.replace(/^\/api\/2\.0\/mlflow\//, "").split("/");
        const artifact = req.method === "PUT" && url.pathname.startsWith(ARTIFACTS_ROUTE_PREFIX);
        const answer = !principal
          ? Response.json({ error_code: "UNAUTHENTICATED", message: "no token" }, { status: 401 })
          : artifact
            ? await uploadArtifact(
                { db: db(), principal, store: store() },
                segmentsFromUrlTail(encodedTailOf(req.url ?? "")),
                bodyChunks(request.body),
              ).then(() => Response.json({}))
            : await handleTrackingRequest(request, { db: db(), principal }, path);
        res.writeHead(answer.status, { "content-type": "application/json" });
        res.end(Buffer.from(await answer.arrayBuffer()));
      })().catch((err: unknown) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "0.0.0.0", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { server, url: `http://host.docker.internal:${port}` };
}

export function notebook(cells: Array<{ source: string; tags?: string[] }>): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", display_name: "Python 3", language: "python" } },
    cells: cells.map((c, i) => ({
      cell_type: "code",
      id: `c${i}`,
      metadata: c.tags ? { tags: c.tags } : {},
      source: c.source,
      outputs: [],
      execution_count: null,
    })),
  });
}

/**
 * Job deps whose engine nobody listens on and whose store is nowhere: for the database tests, where
 * what is tested must not reach the engine (a call would fail the test, loudly).
 */
export function engineFreeDeps(db: Db): JobDeps {
  return {
    db,
    spawner: new DockerSpawner({ dockerHost: "tcp://127.0.0.1:9" }),
    store: new LocalArtifactStore("/nonexistent/atrium-jobs-test"),
    spoolDir: "/nonexistent/atrium-jobs-spool",
  };
}

/** The refusal a promise ends with (an ApiError's status, code and sentence); fails when it resolves. */
export async function refusal(p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return { status: err.status, code: err.code, message: err.message };
    throw err;
  }
  throw new Error("expected a refusal");
}

/** Empties what the jobs' database tests write, people included, before each test. */
export async function resetJobTables(db: Db): Promise<void> {
  await db.delete(jobExecutions);
  await db.delete(jobs);
  // A job claims its experiment when it is made (tracking-run.ts): a fresh "ada" must not meet the last one's.
  await db.delete(experiments);
  await db.delete(auditEvents);
  await db.delete(users);
}
