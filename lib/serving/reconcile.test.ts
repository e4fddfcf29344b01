/**
 * The serving reconciler against the real parts: a scikit-learn model trained once in the real environment image
 * and written into the real artifact store as three registered versions (two that load, one that does not), the
 * bundle route's logic behind an HTTP server the containers reach as the portal (host.docker.internal), and the
 * real engine: an endpoint rolled out to READY with a hardened container answering /invocations at its replica
 * URL, a v1→v2 rollout, a failed rollout that leaves the old config serving with the log's reason, scale to zero and
 * wake, delete, and the same rollout on the one-node swarm.
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { replicasOfEndpoint, type ReplicaRow } from "@/db/queries/serving-replicas";
import { insertExperiment, insertRun } from "@/db/queries/tracking";
import { apiTokens, modelVersions, servingEndpoints, servingRequestLog } from "@/db/schema";
import { useTestDatabase } from "@/db/testing-hooks";
import { bodyChunks } from "@/lib/artifacts/http";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { putFile } from "@/lib/artifacts/store";
import type { Principal } from "@/lib/auth/principal";
import { respond } from "@/lib/http/with-user";
import { parseWith } from "@/lib/http/parse";
import { DockerSpawner, SwarmSpawner, type Spawner } from "@/lib/spawner";
import { engineReadiness, removeIdleNetworksOnceGone, SEEDED_IMAGE, swarmReadiness } from "@/lib/spawner/testing";
import { IMAGE_ID_TAG } from "@/lib/tracking/runs/atrium-tags";
import { reconcileWorkloads } from "@/lib/workloads/reconcile";
import { replicaBundle } from "./bundle-token";
import { createEndpoint, deleteEndpoint, getEndpoint, updateEndpointConfig } from "./endpoints";
import { reconcileServing, type ServingDeps } from "./reconcile";
import { createEndpointSchema, endpointConfigInputSchema } from "./schemas";
import { seedServing, type Person } from "./testing";
import { runToEnd } from "./testing/containers";
import { COLUMNS, ROWS } from "./testing/iris";
import { replicaRef } from "./workload";

const CI = Boolean(process.env.CI);
const notReady = await engineReadiness(SEEDED_IMAGE);
if (notReady && !CI) console.warn(`[serving/reconcile.test] skipped: ${notReady}`);
const notSwarm = notReady ?? (await swarmReadiness(SEEDED_IMAGE));

const PORT_BASE = Number(process.env.E2E_PORT_BASE ?? 4000);
const PORTAL_PORT = PORT_BASE + 62;
const RUN_ID = "feedc0de".repeat(4);
const MIB = 1024 * 1024;
const tag = `${process.pid}`;

/** Until `done` answers something, reconciling between looks (the leader's tick, driven by the test). */
async function reconcileUntil<T>(deps: ServingDeps, done: () => Promise<T | undefined>, what: string, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await reconcileServing(deps);
    const value = await done();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function predict(url: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/invocations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ dataframe_split: { columns: COLUMNS, data: ROWS } }),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, body: await res.json() };
}

describe.skipIf(notReady !== undefined && !CI)("serving reconciler on the real engine (atrium-jupyterlab:1)", () => {
  const db = useTestDatabase("postgres");
  let p: Record<Person, Principal>;
  let storeDir: string;
  let store: LocalArtifactStore;
  let portal: Server;
  let expected: number[];
  const spawners: Spawner[] = [];

  const depsFor = (spawner: Spawner, extra: Partial<ServingDeps> = {}): ServingDeps => ({
    db: db(),
    spawner,
    portalUrl: `http://host.docker.internal:${PORTAL_PORT}`,
    bundleMaxBytes: 64 * MIB,
    spawnTimeoutMs: 150_000,
    drainMs: 300,
    idleMs: 60_000,
    targetConcurrency: 4,
    scaleDownMs: 300_000,
    busyAt: new Map(),
    ...extra,
  });
  const endpointRow = async (name: string) => (await db().select().from(servingEndpoints).where(eq(servingEndpoints.name, name)))[0];
  const replicas = async (name: string): Promise<ReplicaRow[]> => replicasOfEndpoint(db(), (await endpointRow(name))?.id ?? "");
  const config = (version: string, extra: Record<string, unknown> = {}) =>
    parseWith(endpointConfigInputSchema, { served_entities: [{ entity_name: "churn", entity_version: version, ...extra }] });

  /**
   * The active config's only entity, with max_replicas 2 and one ready replica, under load from the request log (as the
   * proxies of every portal write it): a second replica starts and answers; once the load stops, after the cool-down,
   * the newer replica drains and is stopped.
   */
  async function scalesWithLoad(spawner: Spawner, name: string, entity: string): Promise<void> {
    const e = await endpointRow(name);
    const live = () => replicas(name).then((rows) => rows.filter((r) => r.state === "ready" || r.state === "starting"));
    const [first] = await live();
    expect(first?.state).toBe("ready");
    // What the proxies of every portal write: eight 5-second calls in the last 10 s are four calls in flight on
    // average, which at a target of one per replica wants four replicas; max_replicas is 2. Re-stamped each look:
    // the load goes on.
    const busy = async () => {
      await db().delete(servingRequestLog).where(eq(servingRequestLog.endpointId, e!.id));
      await db()
        .insert(servingRequestLog)
        .values(
          Array.from({ length: 8 }, () => ({
            endpointId: e!.id,
            endpointName: name,
            at: new Date(Date.now() - 1_000),
            callerName: "alice",
            servedEntity: entity,
            modelVersion: 2,
            status: 200,
            latencyMs: 5_000,
          })),
        );
      await db().update(servingEndpoints).set({ lastInvokedAt: new Date() }).where(eq(servingEndpoints.name, name));
    };
    const loaded = depsFor(spawner, { targetConcurrency: 1, scaleDownMs: 3_000 });
    const both = await reconcileUntil(
      loaded,
      async () => {
        await busy();
        const ready = (await live()).filter((r) => r.state === "ready");
        return ready.length === 2 ? ready : undefined;
      },
      "scaled up to two",
    );
    const added = both.find((r) => r.id !== first!.id);
    expect(await predict(added!.url!)).toEqual({ status: 200, body: { predictions: expected } });
    // Never past max_replicas, however long the load lasts.
    const lastBusy = Date.now();
    await busy();
    await reconcileServing(loaded);
    expect(await live()).toHaveLength(2);

    // The load stops (the calls are an hour old); the endpoint is still called now and then, so it keeps its floor.
    await db()
      .update(servingRequestLog)
      .set({ at: new Date(Date.now() - 3_600_000) })
      .where(eq(servingRequestLog.endpointId, e!.id));
    await reconcileServing(loaded);
    expect(await live()).toHaveLength(2);
    await reconcileUntil(
      loaded,
      async () => {
        await db().update(servingEndpoints).set({ lastInvokedAt: new Date() }).where(eq(servingEndpoints.name, name));
        return (await replicas(name)).find((r) => r.id === added!.id)?.state === "stopped" ? true : undefined;
      },
      "scaled back to one",
    );
    expect(Date.now() - lastBusy).toBeGreaterThanOrEqual(3_000);
    // The newer replica went; the one known to answer stays.
    expect((await live()).map((r) => r.id)).toEqual([first!.id]);
    expect(await spawner.status(replicaRef(added!.id))).toEqual({ state: "missing" });
  }

  beforeAll(async () => {
    if (notReady) throw new Error(`cannot run in CI: ${notReady}`);
    const trained = await runToEnd(
      {
        name: `atrium-test-serving-reconcile-train-${tag}`,
        image: SEEDED_IMAGE,
        cmd: ["python3", "/src/testing/train_and_check.py", "--train-only"],
        binds: [`${import.meta.dirname}:/src:ro`],
        network: "none",
      },
      240_000,
    );
    if (trained.exitCode !== 0) throw new Error(`training failed (${trained.exitCode}): ${trained.stderr.slice(-2000)}`);
    const out = JSON.parse(trained.stdout.trim().split("\n").at(-1) ?? "") as {
      model: Record<string, string>;
      expected: { predictions: number[] };
    };
    expected = out.expected.predictions;

    // Versions 1 and 2 are the model at two locations; version 3 has an MLmodel and no pickle: it cannot load.
    storeDir = await mkdtemp(path.join(tmpdir(), "atrium-serving-reconcile-"));
    store = new LocalArtifactStore(storeDir);
    const put = (key: string, b64: string) => putFile(store, key, Readable.from([Buffer.from(b64, "base64")]));
    for (const v of [1, 2]) for (const [name, b64] of Object.entries(out.model)) await put(`1/${RUN_ID}/artifacts/v${v}/${name}`, b64);
    await put(`1/${RUN_ID}/artifacts/v3/MLmodel`, out.model.MLmodel ?? "");

    p = await seedServing(db());
    // The training run recorded its image, as a workspace's runs do: replicas run in it unless an environment is named.
    const imageId = (await new DockerSpawner().imageInfo(SEEDED_IMAGE)).id;
    if (!imageId) throw new Error(`${SEEDED_IMAGE} has no id`);
    const exp = await insertExperiment(db(), {
      name: `serving-${tag}`,
      owner: "alice",
      ownerId: p.alice.userId ?? null,
      now: Date.now(),
      tags: [],
      defaultRoot: "mlflow-artifacts:/",
    });
    await insertRun(
      db(),
      {
        runUuid: RUN_ID,
        experimentId: exp!.id,
        name: "train",
        userId: "alice",
        ownerId: p.alice.userId ?? null,
        status: "FINISHED",
        startTime: Date.now(),
        endTime: Date.now(),
        artifactUri: `mlflow-artifacts:/1/${RUN_ID}/artifacts`,
      },
      [{ key: IMAGE_ID_TAG, value: imageId }],
    );
    for (const v of [1, 2, 3]) {
      await db()
        .update(modelVersions)
        .set({ source: `mlflow-artifacts:/1/${RUN_ID}/artifacts/v${v}`, runId: RUN_ID, status: "READY" })
        .where(and(eq(modelVersions.name, "churn"), eq(modelVersions.version, v)));
    }

    // The portal's part: the bundle route's logic, reached from containers as host.docker.internal.
    portal = createServer((req, res) => {
      const headers = new Headers();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
      const replica = (req.url ?? "").replace(/^\/api\/serving\/bundles\//, "");
      void respond(() => replicaBundle(db(), store, replica, headers, 64 * MIB)).then((answer) => {
        res.writeHead(answer.status, Object.fromEntries(answer.headers));
        Readable.from(bodyChunks(answer.body)).pipe(res);
      });
    });
    portal.listen(PORTAL_PORT, "0.0.0.0");
    await once(portal, "listening");
  }, 420_000);

  afterAll(async () => {
    // Whatever a failed test left: every replica of this database's endpoints.
    for (const spawner of spawners) {
      for (const l of await spawner.list())
        if (l.ref.kind === "endpoint" && l.ownerId && Object.values(p ?? {}).some((x) => x.userId === l.ownerId))
          await spawner.remove(l.ref);
    }
    await new Promise((r) => (portal ? portal.close(r) : r(undefined)));
    if (storeDir) await rm(storeDir, { recursive: true, force: true });
  });

  describe("docker", () => {
    const spawner = new DockerSpawner();
    spawners.push(spawner);
    const deps = () => depsFor(spawner);

    it("rolls a new endpoint out to READY: a hardened container in the run's image answers /invocations at its replica URL", async () => {
      await createEndpoint(
        db(),
        p.alice,
        parseWith(createEndpointSchema, { name: "iris", config: { served_entities: [{ entity_name: "churn", entity_version: "1" }] } }),
      );
      const ready = await reconcileUntil(
        deps(),
        async () => ((await endpointRow("iris"))?.ready === "READY" ? endpointRow("iris") : undefined),
        "iris ready",
      );
      expect(ready).toMatchObject({ configUpdate: "NOT_UPDATING", stateReason: null });
      const [replica] = await replicas("iris");
      expect(replica).toMatchObject({ state: "ready", servedEntity: "churn-1", modelVersion: 1 });
      expect(await predict(replica!.url!)).toEqual({ status: 200, body: { predictions: expected } });

      const info = await spawner.docker.getContainer(`atrium-endpoint-${replica!.id}`).inspect();
      expect(info.Config.Labels).toMatchObject({
        "atrium.kind": "endpoint",
        "atrium.id": replica!.id,
        "atrium.user-id": p.alice.userId,
        "atrium.endpoint": ready.id,
      });
      expect(info.Image).toBe((await spawner.imageInfo(SEEDED_IMAGE)).id);
      expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
      expect(info.HostConfig.SecurityOpt).toEqual(["no-new-privileges:true"]);
      expect(info.HostConfig.NanoCpus).toBe(0.5e9);
      // It fetched its bundle; the token was revoked once it answered, and it never reached the scoring server.
      expect(await db().select().from(apiTokens).where(eq(apiTokens.kind, "bundle"))).toEqual([]);
      expect(info.Config.Env.some((v) => v.startsWith("ATRIUM_BUNDLE_URL=") && v.endsWith(`/api/serving/bundles/${replica!.id}`))).toBe(
        true,
      );

      const view = await getEndpoint(db(), p.alice, "iris");
      expect(view.state).toEqual({ ready: "READY", config_update: "NOT_UPDATING" });
      expect(view.config?.served_entities[0]?.state.deployment).toBe("DEPLOYMENT_READY");
      expect(view).not.toHaveProperty("pending_config");
    }, 300_000);

    it("rolls v1 → v2: the new replica is ready before the old one drains, and the old one is stopped after the drain", async () => {
      const [old] = await replicas("iris");
      await updateEndpointConfig(db(), p.alice, "iris", config("2"));
      const promoted = await reconcileUntil(
        deps(),
        async () => {
          const e = await endpointRow("iris");
          return e?.pendingConfigId === null && e.configUpdate === "NOT_UPDATING" ? e : undefined;
        },
        "v2 active",
      );
      const rows = await replicas("iris");
      const fresh = rows.find((r) => r.modelVersion === 2);
      const before = rows.find((r) => r.id === old!.id);
      expect(fresh?.state).toBe("ready");
      expect(["draining", "stopped"]).toContain(before?.state);
      expect(fresh!.readyAt!.getTime()).toBeLessThanOrEqual(before!.updatedAt.getTime());
      expect(promoted.ready).toBe("READY");
      expect(await predict(fresh!.url!)).toEqual({ status: 200, body: { predictions: expected } });
      await reconcileUntil(
        deps(),
        async () => ((await replicas("iris")).find((r) => r.id === old!.id)?.state === "stopped" ? true : undefined),
        "v1 stopped",
      );
      expect(await spawner.status(replicaRef(old!.id))).toEqual({ state: "missing" });
    }, 300_000);

    it("leaves v2 serving with the log's reason when v3's model fails to load, and removes v3's container", async () => {
      const [serving] = (await replicas("iris")).filter((r) => r.state === "ready");
      await updateEndpointConfig(db(), p.alice, "iris", config("3"));
      const failed = await reconcileUntil(
        deps(),
        async () => ((await endpointRow("iris"))?.configUpdate === "UPDATE_FAILED" ? endpointRow("iris") : undefined),
        "v3 failed",
      );
      expect(failed?.ready).toBe("READY");
      expect(failed?.stateReason).toMatch(
        /^Config version 3 did not become ready, so the previous config keeps serving: The model failed to load: /,
      );
      const broken = (await replicas("iris")).find((r) => r.modelVersion === 3);
      expect(broken?.state).toBe("failed");
      expect(broken?.reason).toBe("The model failed to load: the model file model.pkl cannot be opened: No such file or directory");
      expect(await spawner.status(replicaRef(broken!.id))).toEqual({ state: "missing" });
      expect((await replicas("iris")).find((r) => r.id === serving!.id)?.state).toBe("ready");
      expect(await predict(serving!.url!)).toEqual({ status: 200, body: { predictions: expected } });
      const view = await getEndpoint(db(), p.alice, "iris");
      expect(view.state).toEqual({ ready: "READY", config_update: "UPDATE_FAILED" });
      expect(view.config?.config_version).toBe(2);
      expect(view.pending_config?.served_entities[0]?.state).toEqual({
        deployment: "DEPLOYMENT_FAILED",
        deployment_state_message: failed?.stateReason,
      });
    }, 300_000);

    it("scales an idle scale-to-zero entity to no replica, and starts one when a call asks it to wake", async () => {
      // A call a moment ago: the rollout starts one replica, as the proxy would need it.
      await db().update(servingEndpoints).set({ lastInvokedAt: new Date() }).where(eq(servingEndpoints.name, "iris"));
      await updateEndpointConfig(db(), p.alice, "iris", config("2", { scale_to_zero_enabled: true, max_replicas: 2 }));
      await reconcileUntil(
        deps(),
        async () => ((await endpointRow("iris"))?.configUpdate === "NOT_UPDATING" ? true : undefined),
        "v4 active",
      );
      const live = () => replicas("iris").then((rows) => rows.filter((r) => r.state === "ready" || r.state === "starting"));
      expect(await live()).toHaveLength(1);

      // No call for longer than the idle time: down to none, the endpoint stays READY (the next call wakes it).
      await db()
        .update(servingEndpoints)
        .set({ lastInvokedAt: new Date(Date.now() - 61_000) })
        .where(eq(servingEndpoints.name, "iris"));
      const [idle] = await live();
      await reconcileUntil(
        deps(),
        async () => ((await replicas("iris")).find((r) => r.id === idle!.id)?.state === "stopped" ? true : undefined),
        "scaled to zero",
      );
      expect(await live()).toEqual([]);
      expect((await endpointRow("iris"))?.ready).toBe("READY");
      expect(await spawner.status(replicaRef(idle!.id))).toEqual({ state: "missing" });

      await db().update(servingEndpoints).set({ wakeRequestedAt: new Date() }).where(eq(servingEndpoints.name, "iris"));
      const woken = await reconcileUntil(deps(), async () => (await live()).find((r) => r.state === "ready"), "woken");
      expect(await predict(woken.url!)).toEqual({ status: 200, body: { predictions: expected } });
    }, 300_000);

    it("scales up toward max_replicas while the request log shows load, and back down after the cool-down", async () => {
      await scalesWithLoad(spawner, "iris", "churn-2");
    }, 300_000);

    it("removes a deleted endpoint's containers in the one reconcile", async () => {
      const ids = (await replicas("iris")).filter((r) => r.state === "ready").map((r) => r.id);
      expect(ids).toHaveLength(1);
      await deleteEndpoint(db(), p.alice, "iris");
      expect(await spawner.status(replicaRef(ids[0]!))).toMatchObject({ state: "running" });
      await reconcileWorkloads(db(), spawner);
      expect(await spawner.status(replicaRef(ids[0]!))).toEqual({ state: "missing" });
    }, 300_000);
  });

  describe("swarm", () => {
    const spawner = new SwarmSpawner();
    spawners.push(spawner);

    it.skipIf(notSwarm !== undefined && !CI)(
      "rolls out v1 and then v2 as one-replica services, the old one stopped after the new is ready, and scales v2 with load",
      async () => {
        if (notSwarm) throw new Error(`cannot run in CI: ${notSwarm}`);
        const deps = depsFor(spawner);
        await createEndpoint(
          db(),
          p.alice,
          parseWith(createEndpointSchema, {
            name: "iris-swarm",
            config: { served_entities: [{ entity_name: "churn", entity_version: "1" }] },
          }),
        );
        await reconcileUntil(deps, async () => ((await endpointRow("iris-swarm"))?.ready === "READY" ? true : undefined), "swarm v1 ready");
        const [v1] = await replicas("iris-swarm");
        expect(await predict(v1!.url!)).toEqual({ status: 200, body: { predictions: expected } });
        const service = await spawner.docker.getService(`atrium-endpoint-${v1!.id}`).inspect();
        expect(service.Spec.TaskTemplate.ContainerSpec.CapabilityDrop).toEqual(["ALL"]);

        await updateEndpointConfig(db(), p.alice, "iris-swarm", config("2", { max_replicas: 2 }));
        await reconcileUntil(
          deps,
          async () => ((await replicas("iris-swarm")).find((r) => r.id === v1!.id)?.state === "stopped" ? true : undefined),
          "swarm v1 stopped",
        );
        const v2 = (await replicas("iris-swarm")).find((r) => r.modelVersion === 2);
        expect(v2?.state).toBe("ready");
        expect(v2!.readyAt!.getTime()).toBeLessThanOrEqual(
          (await replicas("iris-swarm")).find((r) => r.id === v1!.id)!.updatedAt.getTime(),
        );
        expect(await predict(v2!.url!)).toEqual({ status: 200, body: { predictions: expected } });
        expect(await spawner.status(replicaRef(v1!.id))).toEqual({ state: "missing" });
        // Scaling under load, as on docker: a second one-replica service, stopped again after the cool-down.
        await scalesWithLoad(spawner, "iris-swarm", "churn-2");

        await deleteEndpoint(db(), p.alice, "iris-swarm");
        await reconcileWorkloads(db(), spawner);
        expect(await spawner.status(replicaRef(v2!.id))).toEqual({ state: "missing" });
        await removeIdleNetworksOnceGone(spawner, (user) => user === "alice");
      },
      300_000,
    );
  });
});
