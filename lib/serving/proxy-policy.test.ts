/**
 * The invocations proxy (lib/proxy with the serving policy) against the real parts: Postgres with endpoints made
 * through lib/serving/endpoints.ts, real API tokens and session cookies, and a real scoring server in the real
 * environment image serving a real scikit-learn model (testing/scoring.ts). The reconciler is not part of this
 * test: its `serving_replicas` rows are inserted here, one of them at an address that refuses connections.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

const { env, restoreEnv } = vi.hoisted(() => {
  const values = {
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://atrium:atrium@127.0.0.1:5432/atrium_test",
    AUTH_SECRET: "auth-secret-for-serving-proxy-tests-0123456789",
  };
  const keys = [...Object.keys(values), "ATRIUM_BOOTSTRAP_TOKEN", "ATRIUM_PUBLIC_URL", "OIDC_ISSUER", "PORT"];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, values);
  const restoreEnv = () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  return { env: values, restoreEnv };
});
afterAll(restoreEnv);

import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { eq } from "drizzle-orm";
import { encode } from "next-auth/jwt";
import { findUser } from "@/db/queries/users";
import { servingEndpoints, servingReplicas, servingRequestLog } from "@/db/schema";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { startSession } from "@/lib/auth/sessions";
import { metrics } from "@/lib/metrics/registry";
import { createProxy, type Proxy } from "@/lib/proxy/proxy";
import { engineReadiness, SEEDED_IMAGE } from "@/lib/spawner/testing";
import { createEndpoint } from "./endpoints";
import { updatePermissions } from "./grants";
import { servingProxyPolicy, type ServingProxyDeps } from "./proxy-policy";
import { createRequestLog, type RequestLog } from "./request-log-writer";
import { seedServing, tokenOf, type Person } from "./testing";
import { IRIS_COLUMNS, IRIS_ROWS, startScoringContainer, type ScoringContainer } from "./testing/scoring";

const CI = Boolean(process.env.CI);
const notReady = await engineReadiness(SEEDED_IMAGE);
if (notReady && !CI) console.warn(`[serving/proxy-policy.test] skipped: ${notReady}`);

const COOKIE = "authjs.session-token";
const BODY = JSON.stringify({ dataframe_split: { columns: IRIS_COLUMNS, data: IRIS_ROWS } });

describe.skipIf(notReady !== undefined && !CI)("the invocations proxy (real Postgres, real scoring container)", () => {
  const db = useTestDatabase("postgres");
  let scoring: ScoringContainer | undefined;
  let people: Record<Person, Principal>;
  const tokens: Record<string, string> = {};
  let refusedUrl = "";
  let endpointId = "";
  let configId = "";
  const servers: { server: Server; proxy: Proxy; log: RequestLog }[] = [];

  /** The proxy on a loopback port, as server.ts builds it, with its own request log. */
  async function startProxy(extra: Partial<ServingProxyDeps> & { maxQueue?: number } = {}) {
    // As server.ts wires it: a dropped row bumps the Prometheus counter.
    const log = createRequestLog({
      getDb: async () => db(),
      maxQueue: extra.maxQueue,
      flushMs: 3_600_000,
      onDrop: () => metrics().servingLogDropped.inc(),
    });
    const policy = servingProxyPolicy({
      getDb: async () => db(),
      publicOrigin: "http://portal.test:4100",
      coldStartTimeoutMs: 3_000,
      requestLog: log,
      ...extra,
    });
    const proxy = createProxy(policy);
    const server = createServer((req, res) => void proxy.handleRequest(req, res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    servers.push({ server, proxy, log });
    return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, log, policy };
  }

  async function sessionCookie(name: string): Promise<string> {
    const user = await findUser(db(), name);
    if (!user) throw new Error(`no user ${name}`);
    const claims: Record<string, unknown> = {};
    await startSession(db(), user, claims);
    return `${COOKIE}=${await encode({ token: claims, secret: env.AUTH_SECRET, salt: COOKIE })}`;
  }

  const invoke = async (base: string, headers: Record<string, string>, body = BODY, name = "churn-live") => {
    const res = await fetch(`${base}/serving-endpoints/${name}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body,
      signal: AbortSignal.timeout(60_000),
    });
    return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    if (notReady) throw new Error(`cannot run in CI: ${notReady}`);
    scoring = await startScoringContainer(`atrium-test-serving-proxy-${process.pid}`, SEEDED_IMAGE);
    people = await seedServing(db());
    for (const [who, scopes] of [
      ["alice", ["serving"]],
      ["bob", ["serving:invoke"]],
      ["bobmlflow", ["mlflow"]],
      ["carol", ["serving:invoke"]],
      ["pat", ["serving:invoke"]],
    ] as const) {
      const owner = who === "bobmlflow" ? people.bob : people[who];
      tokens[who] = (await tokenOf(db(), owner, `tok_${who}_${process.pid}`, [...scopes])).token;
    }
    await createEndpoint(db(), people.alice, {
      name: "churn-live",
      config: { served_entities: [{ entity_name: "churn", entity_version: "2", workload_size: "Small", scale_to_zero_enabled: false }] },
    } as never);
    await updatePermissions(
      db(),
      people.alice,
      "churn-live",
      { access_control_list: [{ user_name: "bob", permission_level: "CAN_QUERY" }] } as never,
      "add",
    );
    // What the reconciler does once the replicas answer /ping: the pending config becomes the active one.
    const [row] = await db().select().from(servingEndpoints).where(eq(servingEndpoints.name, "churn-live"));
    endpointId = row!.id;
    configId = row!.pendingConfigId!;
    await db()
      .update(servingEndpoints)
      .set({ activeConfigId: configId, pendingConfigId: null, ready: "READY", configUpdate: "NOT_UPDATING" })
      .where(eq(servingEndpoints.id, endpointId));
    // A port that listened a moment ago: a replica that stopped since the proxy read its row.
    const gone = createServer();
    await new Promise<void>((r) => gone.listen(0, "127.0.0.1", r));
    refusedUrl = `http://127.0.0.1:${(gone.address() as AddressInfo).port}`;
    await new Promise((r) => gone.close(r));
    const replica = (id: string, url: string) => ({
      id,
      endpointId,
      configId,
      servedEntity: "churn-2",
      modelVersion: 2,
      state: "ready" as const,
      url,
      readyAt: new Date(),
    });
    // Ordered by id, so with random() = 0 the refused one is tried first.
    await db()
      .insert(servingReplicas)
      .values([replica(`a-refused-${process.pid}`, refusedUrl), replica(`b-real-${process.pid}`, scoring.url)]);
  }, 300_000);

  afterAll(async () => {
    for (const { server, proxy, log } of servers) {
      proxy.close();
      await log.close().catch(() => undefined);
      await new Promise((r) => server.close(r));
    }
    await scoring?.remove();
  });

  it("answers a granted token with MLflow's predictions, as the container does directly, retrying a refused replica", async () => {
    const { base, log } = await startProxy({ random: () => 0 });
    const direct = await fetch(`${scoring!.url}/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: BODY,
    });
    const expected = (await direct.json()) as { predictions: number[] };
    expect(expected.predictions).toHaveLength(3);
    for (const who of ["bob", "alice"]) {
      const res = await invoke(base, { Authorization: `Bearer ${tokens[who]}` });
      expect(res, who).toEqual({ status: 200, type: "application/json", body: expected });
    }
    // The log: a row per call, on the replica that answered, with the sampled bodies.
    await log.flush();
    const rows = await db().select().from(servingRequestLog).where(eq(servingRequestLog.endpointId, endpointId));
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({
        endpointName: "churn-live",
        servedEntity: "churn-2",
        modelVersion: 2,
        shadow: false,
        status: 200,
        requestBytes: Buffer.byteLength(BODY),
        requestSample: BODY,
      });
      expect(JSON.parse(row.responseSample ?? "")).toEqual(expected);
      expect(row.responseBytes).toBe(Buffer.byteLength(row.responseSample ?? ""));
    }
    expect(rows.map((r) => r.callerName).sort()).toEqual(["alice", "bob"]);
    expect(rows.find((r) => r.callerName === "bob")?.tokenId).toBe(`tok_bob_${process.pid}`);
    const [touched] = await db().select().from(servingEndpoints).where(eq(servingEndpoints.id, endpointId));
    expect(touched?.lastInvokedAt).toBeInstanceOf(Date);
    // The Prometheus series /metrics exports, by endpoint, entity, version and status class.
    const exported = await metrics().registry.metrics();
    expect(exported).toMatch(/atrium_serving_requests_total\{endpoint="churn-live",entity="churn-2",version="2",class="2xx"\} [2-9]/);
    expect(exported).toMatch(/atrium_serving_request_duration_seconds_count\{endpoint="churn-live",entity="churn-2"\} [2-9]/);
  }, 120_000);

  /** The request log rows of refused calls (no served entity) of an endpoint, once `n` have been written. */
  async function refusedRows(log: RequestLog, id: string, n: number) {
    const deadline = Date.now() + 30_000;
    for (;;) {
      await log.flush();
      const rows = (await db().select().from(servingRequestLog).where(eq(servingRequestLog.endpointId, id))).filter(
        (r) => r.servedEntity === null,
      );
      if (rows.length >= n || Date.now() > deadline) return rows;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("refuses no credential, the wrong scope, a caller not granted, and an unknown endpoint, in MLflow's shape", async () => {
    await db().delete(servingRequestLog);
    const { base, log } = await startProxy();
    const denied = { status: 403, type: "application/json; charset=utf-8" };
    expect(await invoke(base, {})).toMatchObject({ status: 401, body: { error_code: "UNAUTHENTICATED" } });
    const scope = await invoke(base, { Authorization: `Bearer ${tokens.bobmlflow}` });
    expect(scope).toMatchObject({ ...denied, body: { error_code: "PERMISSION_DENIED" } });
    expect(scope.body.message).toContain("serving:invoke");
    const carol = await invoke(base, { Authorization: `Bearer ${tokens.carol}` });
    expect(carol).toMatchObject({ ...denied, body: { error_code: "PERMISSION_DENIED" } });
    expect(Object.keys(carol.body).sort()).toEqual(["error_code", "message"]);
    expect(await invoke(base, { Authorization: `Bearer ${tokens.bob}` }, BODY, "nope")).toMatchObject({
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST", message: 'There is no serving endpoint "nope".' },
    });
    const get = await fetch(`${base}/serving-endpoints/churn-live/invocations`, { headers: { Authorization: `Bearer ${tokens.bob}` } });
    expect(get.status).toBe(405);
    // A content type the scoring server does not take: its own 415, passed through and logged on its replica.
    const csvless = await fetch(`${base}/serving-endpoints/churn-live/invocations`, {
      method: "POST",
      headers: { Authorization: `Bearer ${tokens.bob}`, "content-type": "text/plain" },
      body: "1,2",
    });
    expect(csvless.status).toBe(415);
    await csvless.text();

    // Each refusal is a row of the endpoint, with the caller when the credential named one; the unknown name has none.
    const rows = await refusedRows(log, endpointId, 4);
    expect(rows.map((r) => [r.status, r.callerName, r.tokenId, r.modelVersion, r.shadow]).sort()).toEqual(
      [
        [401, "anonymous", null, null, false],
        [403, "bob", `tok_bobmlflow_${process.pid}`, null, false],
        [403, "carol", `tok_carol_${process.pid}`, null, false],
        [405, "anonymous", null, null, false],
      ].sort(),
    );
    expect(rows.find((r) => r.callerName === "carol")?.callerId).toBe(people.carol.userId);
    const all = await db().select().from(servingRequestLog);
    expect(all.filter((r) => r.endpointName === "nope")).toEqual([]);
    expect(all.find((r) => r.status === 415)).toMatchObject({ endpointId, servedEntity: "churn-2", callerName: "bob" });
  });

  it("takes the session cookie only from the portal's own origin, not from a page on another port of the same host", async () => {
    const { base } = await startProxy();
    const cookie = await sessionCookie("bob");
    const own = await invoke(base, { cookie, origin: "http://portal.test:4100" });
    expect(own.status).toBe(200);
    const otherPort = await invoke(base, { cookie, origin: "http://portal.test:4199" });
    const portalHost = new URL(base);
    const sameHostOtherPort = await invoke(base, { cookie, origin: `http://${portalHost.hostname}:${Number(portalHost.port) + 1}` });
    expect(sameHostOtherPort.status).toBe(403);
    expect(otherPort).toMatchObject({ status: 403, body: { error_code: "PERMISSION_DENIED" } });
    const fetchMeta = await invoke(base, { cookie, "sec-fetch-site": "same-site" });
    expect(fetchMeta.status).toBe(403);
    expect((await invoke(base, { cookie })).status).toBe(403);
  });

  it("refuses a body over the cap with 413 and answers 503 in a sentence when no replica is ready, logging both", async () => {
    await db().delete(servingRequestLog);
    const { base, policy, log } = await startProxy({ routingCacheMs: 0 });
    // The cap is checked from Content-Length before a byte is read, so the request is written by hand.
    const raw = await new Promise<string>((resolve, reject) => {
      const u = new URL(base);
      const socket = connect(Number(u.port), u.hostname, () => {
        socket.write(
          `POST /serving-endpoints/churn-live/invocations HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.bob}\r\nContent-Type: application/json\r\nContent-Length: ${65 * 1024 * 1024}\r\n\r\n{}`,
        );
      });
      let text = "";
      socket.on("data", (d: Buffer) => (text += d.toString()));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    expect(raw.split("\r\n")[0]).toBe("HTTP/1.1 413 Payload Too Large");
    expect(raw).toContain('"error_code":"BAD_REQUEST"');
    // The refused body still counts as an exchange: the replica it was meant for is not left looking busy.
    expect(policy.inFlight.get(`a-refused-${process.pid}`) + policy.inFlight.get(`b-real-${process.pid}`)).toBe(0);

    await db().update(servingReplicas).set({ state: "draining" }).where(eq(servingReplicas.endpointId, endpointId));
    try {
      const res = await invoke(base, { Authorization: `Bearer ${tokens.bob}` });
      expect(res).toMatchObject({ status: 503, body: { error_code: "TEMPORARILY_UNAVAILABLE" } });
      expect(res.body.message).toMatch(/no ready replica/);
    } finally {
      await db().update(servingReplicas).set({ state: "ready" }).where(eq(servingReplicas.endpointId, endpointId));
    }
    await log.flush();
    const rows = await db().select().from(servingRequestLog).where(eq(servingRequestLog.endpointId, endpointId));
    expect(rows.map((r) => [r.status, r.callerName]).sort()).toEqual([
      [413, "bob"],
      [503, "bob"],
    ]);
    expect(rows.find((r) => r.status === 503)?.servedEntity).toBeNull();
  });

  /** A second endpoint with this config, made active, with ready replicas of the named entities at the real container. */
  async function liveEndpoint(name: string, config: Record<string, unknown>, ready: string[]): Promise<string> {
    await createEndpoint(db(), people.pat, { name, config } as never);
    const [row] = await db().select().from(servingEndpoints).where(eq(servingEndpoints.name, name));
    await db()
      .update(servingEndpoints)
      .set({ activeConfigId: row!.pendingConfigId, pendingConfigId: null, ready: "READY", configUpdate: "NOT_UPDATING" })
      .where(eq(servingEndpoints.id, row!.id));
    if (ready.length > 0)
      await db()
        .insert(servingReplicas)
        .values(
          ready.map((entity) => ({
            id: `${name}-${entity}-${process.pid}`,
            endpointId: row!.id,
            configId: row!.pendingConfigId!,
            servedEntity: entity,
            modelVersion: Number(entity.split("-").at(-1)),
            state: "ready" as const,
            url: scoring!.url,
          })),
        );
    return row!.id;
  }

  it("copies a call to the shadow entity after the answer, logs the shadow's answer, and returns only the routed one", async () => {
    const id = await liveEndpoint(
      "churn-shadowed",
      {
        served_entities: [
          { entity_name: "churn", entity_version: "2", workload_size: "Small", scale_to_zero_enabled: false },
          { entity_name: "churn", entity_version: "1", workload_size: "Small", scale_to_zero_enabled: false },
        ],
        traffic_config: { routes: [{ served_entity_name: "churn-2", traffic_percentage: 100 }] },
        shadow_entity_name: "churn-1",
      },
      ["churn-1", "churn-2"],
    );
    const { base, log } = await startProxy();
    const res = await invoke(base, { Authorization: `Bearer ${tokens.pat}` }, BODY, "churn-shadowed");
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(["predictions"]);
    // The copy is sent once the caller has the answer; its row follows.
    let rows: (typeof servingRequestLog.$inferSelect)[] = [];
    for (let i = 0; i < 100 && rows.length < 2; i++) {
      await log.flush();
      rows = await db().select().from(servingRequestLog).where(eq(servingRequestLog.endpointId, id));
      if (rows.length < 2) await new Promise((r) => setTimeout(r, 200));
    }
    const byShadow = Object.fromEntries(rows.map((r) => [String(r.shadow), r]));
    expect(byShadow.false).toMatchObject({ servedEntity: "churn-2", status: 200 });
    expect(byShadow.true).toMatchObject({ servedEntity: "churn-1", modelVersion: 1, status: 200, requestSample: BODY });
    expect(JSON.parse(byShadow.true?.responseSample ?? "")).toEqual(res.body);
  }, 60_000);

  it("wakes a scaled-to-zero entity and holds the call until a replica is ready", async () => {
    const id = await liveEndpoint(
      "churn-asleep",
      { served_entities: [{ entity_name: "churn", entity_version: "2", workload_size: "Small", scale_to_zero_enabled: true }] },
      [],
    );
    const { base } = await startProxy({ coldStartTimeoutMs: 60_000 });
    const call = invoke(base, { Authorization: `Bearer ${tokens.pat}` }, BODY, "churn-asleep");
    // The reconciler's part: it sees the wake request and, once the replica answers /ping, marks it ready.
    let woken: Date | null = null;
    for (let i = 0; i < 200 && !woken; i++) {
      [{ wakeRequestedAt: woken = null } = { wakeRequestedAt: null }] = await db()
        .select({ wakeRequestedAt: servingEndpoints.wakeRequestedAt })
        .from(servingEndpoints)
        .where(eq(servingEndpoints.id, id));
      if (!woken) await new Promise((r) => setTimeout(r, 100));
    }
    expect(woken).toBeInstanceOf(Date);
    const [row] = await db().select().from(servingEndpoints).where(eq(servingEndpoints.id, id));
    await db()
      .insert(servingReplicas)
      .values({
        id: `asleep-${process.pid}`,
        endpointId: id,
        configId: row!.activeConfigId!,
        servedEntity: "churn-2",
        modelVersion: 2,
        state: "ready",
        url: scoring!.url,
      });
    expect((await call).status).toBe(200);

    // Without a replica within the spawn timeout: 503 in one sentence.
    await db().delete(servingReplicas).where(eq(servingReplicas.endpointId, id));
    const { base: quick, log } = await startProxy({ coldStartTimeoutMs: 500, routingCacheMs: 0 });
    const late = await invoke(quick, { Authorization: `Bearer ${tokens.pat}` }, BODY, "churn-asleep");
    expect(late).toMatchObject({ status: 503, body: { error_code: "TEMPORARILY_UNAVAILABLE" } });
    expect(late.body.message).toMatch(/scaled to zero and did not start within 1 s/);
    const [timedOut] = await refusedRows(log, id, 1);
    expect(timedOut).toMatchObject({ status: 503, callerName: "pat", servedEntity: null });
    expect(timedOut!.latencyMs).toBeGreaterThanOrEqual(400);
  }, 60_000);

  it("logs a body holding a NUL byte (which Postgres text cannot store) instead of losing the batch", async () => {
    const { base, log } = await startProxy();
    await db().delete(servingRequestLog);
    const res = await fetch(`${base}/serving-endpoints/churn-live/invocations`, {
      method: "POST",
      headers: { Authorization: `Bearer ${tokens.bob}`, "content-type": "text/csv" },
      body: "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\u0000\n",
    });
    await res.text();
    await log.flush();
    const rows = await db().select().from(servingRequestLog);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.requestSample).toContain("0.2\uFFFD");
  });

  it("drops and counts rows when the log's queue is full, and the calls still succeed", async () => {
    const { base, log } = await startProxy({ maxQueue: 1 });
    await db().delete(servingRequestLog);
    const droppedBefore = (await metrics().servingLogDropped.get()).values[0]?.value ?? 0;
    for (let i = 0; i < 3; i++) expect((await invoke(base, { Authorization: `Bearer ${tokens.bob}` })).status).toBe(200);
    expect(log.dropped()).toBe(2);
    expect((await metrics().servingLogDropped.get()).values[0]?.value).toBe(droppedBefore + 2);
    await log.flush();
    expect(await db().select().from(servingRequestLog)).toHaveLength(1);
  });
});
