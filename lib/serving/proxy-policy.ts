/**
 * The invocations proxy policy: `POST /serving-endpoints/<name>/invocations`, the path callers use (issue 27;
 * docs/serving.md, "Calling an endpoint"), on the proxy mechanism (lib/proxy/, docs/architecture.md §3b).
 *
 * Who may call is the one access rule (lib/serving/access.ts `invokeRefusalWith`: the `serving:invoke` scope, then
 * action "use" with the endpoint's grants). A bearer token is the normal credential; the portal's session cookie
 * counts only on a request from the portal's own origin (the endpoint page's "try it" box), so another site, or a
 * page on another port of the same host, cannot call with it. The call goes to `/invocations` on a ready replica of
 * the active config: a served entity drawn by the traffic percentages, then its least-busy replica (routing.ts);
 * a refused connection is retried once on another. A scaled-to-zero entity with no ready replica is woken and the
 * call waits for it, up to the spawn timeout. Each call becomes a request log row (request-log.ts) and Prometheus
 * series; a copy goes to the shadow entity, if any, after the caller's answer.
 */
import { Agent, request, type IncomingMessage } from "node:http";
import type { Db } from "@/db/client";
import type { RequestLogInsert } from "@/db/queries/serving-log-writes";
import { readyReplicas, requestWake, routingOf, type Routing } from "@/db/queries/serving-routing";
import { credentialOf } from "@/lib/auth/credential";
import { resolveCredential, type Principal } from "@/lib/auth/principal";
import { headerSource, headerValue, pathOf } from "@/lib/proxy/headers";
import { metrics } from "@/lib/metrics/registry";
import { isCrossSite } from "@/lib/proxy/origin";
import type { Decision, Exchange, ProxyPolicy, Upstream } from "@/lib/proxy/policy";
import type { PrincipalCache } from "@/lib/proxy/principal-cache";
import { proxyError, unauthorized, type ProxyError } from "@/lib/proxy/replies";
import { invokeRefusalWith } from "./access";
import { refusalBudget } from "./refusal-budget";
import type { RequestLog } from "./request-log-writer";
import { InFlight, pickEntity, pickReplica, type Replica } from "./routing";

/** MLflow's scoring server caps a body at 64 MiB (lib/serving/runtime, ATRIUM_SCORING_MAX_BODY_MIB); the portal refuses sooner. */
export const MAX_INVOCATION_BYTES = 64 * 1024 * 1024;
/** The most bytes of a body the request log keeps, whatever an endpoint's log_sample_bytes says. */
export const MAX_SAMPLE_BYTES = 64 * 1024;
/** Refused calls logged per endpoint a second, and per portal a second; the rest are counted (refusal-budget.ts). */
export const REFUSALS_LOGGED_PER_ENDPOINT_S = 10;
export const REFUSALS_LOGGED_PER_PORTAL_S = 100;
/** Shadow copies on their way at once, over all endpoints; more are skipped and counted. */
export const MAX_SHADOW_IN_FLIGHT = 64;

const INVOCATIONS = /^\/serving-endpoints\/([A-Za-z0-9_-]{1,63})\/invocations\/?$/;

export interface ServingProxyDeps {
  getDb: () => Promise<Db>;
  /** The portal's public origin (ATRIUM_PUBLIC_URL): the only origin a call by session cookie may come from. */
  publicOrigin: string;
  /** How long a call waits for a scaled-to-zero entity's first replica (ATRIUM_SPAWN_TIMEOUT_S). */
  coldStartTimeoutMs: number;
  /** Where rows go; none: no request log (the bench's "logging off"). */
  requestLog?: RequestLog;
  /** How long an endpoint's routing (config, grants, ready replicas) is reused (default 1,000 ms; 0: never). */
  routingCacheMs?: number;
  /** How long a replica may stay silent (default 120 s; the scoring server's own limit is 60 s). */
  upstreamTimeoutMs?: number;
  principalCacheMs?: number;
  /** Test hook: [0, 1) for the traffic draw and sampling. */
  random?: () => number;
}

/** What authorize learnt of a call before refusing it: the endpoint's name, and its routing and caller once known. */
interface Attempt {
  name: string;
  principal?: Principal;
  routing?: Routing;
}

const callerOf = (principal: Principal | undefined) => ({
  id: principal?.userId ?? null,
  name: principal?.name ?? "anonymous",
  tokenId: principal?.tokenId ?? null,
});

/** A call as forwarded: which endpoint, replica and caller, and what the log keeps. */
export interface ServingUpstream extends Upstream {
  routing: Routing;
  replica: Replica;
  caller: { id: string | null; name: string; tokenId: string | null };
  /** The bodies go into the log. */
  sampled: boolean;
}

const CODES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "RESOURCE_DOES_NOT_EXIST",
  405: "BAD_REQUEST",
  413: "BAD_REQUEST",
  502: "TEMPORARILY_UNAVAILABLE",
  503: "TEMPORARILY_UNAVAILABLE",
};

/** MLflow's and Databricks' `{error_code, message}`. */
export const servingErrorJson = (e: ProxyError) => ({
  error_code: /^[A-Z_]+$/.test(e.error) ? e.error : (CODES[e.status] ?? "INTERNAL_ERROR"),
  message: e.message,
});

const reject = (status: number, code: string, message: string): Decision<ServingUpstream> => ({
  kind: "reject",
  error: proxyError(status, code, message),
});

const statusClass = (status: number) => (status === 0 ? "aborted" : `${Math.floor(status / 100)}xx`);

/** A captured body as Postgres text, which holds no NUL (one would make the whole batch fail). */
const text = (head: Buffer | undefined) => (head ? head.toString("utf8").replaceAll("\0", "\uFFFD") : null);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function servingProxyPolicy(deps: ServingProxyDeps): ProxyPolicy<ServingUpstream> & { inFlight: InFlight } {
  const random = deps.random ?? Math.random;
  const cacheMs = deps.routingCacheMs ?? 1_000;
  const inFlight = new InFlight();
  const cache = new Map<string, { until: number; routing: Promise<Routing | undefined> }>();
  const shadowAgent = new Agent({ keepAlive: true, maxSockets: MAX_SHADOW_IN_FLIGHT, timeout: 5_000 });
  let shadowsInFlight = 0;
  const m = metrics();
  /** Calls authorize saw, until their exchange is reported: a refused one becomes a log row of its endpoint. */
  const attempts = new WeakMap<IncomingMessage, Attempt>();
  const refusals = refusalBudget({ perEndpoint: REFUSALS_LOGGED_PER_ENDPOINT_S, total: REFUSALS_LOGGED_PER_PORTAL_S });

  function routingNamed(db: Db, name: string): Promise<Routing | undefined> {
    const now = Date.now();
    const hit = cache.get(name);
    if (hit && hit.until > now) return hit.routing;
    const routing = routingOf(db, name);
    if (cacheMs > 0) {
      if (cache.size >= 1_000) cache.clear();
      cache.set(name, { until: now + cacheMs, routing });
      routing.catch(() => cache.delete(name));
    }
    return routing;
  }

  /** A routing's replicas by served entity and those of the routed entities, worked out once per routing read. */
  const indexes = new WeakMap<Routing, { byEntity: Map<string, Replica[]>; routed: Replica[] }>();
  function indexOf(routing: Routing) {
    let index = indexes.get(routing);
    if (!index) {
      const byEntity = new Map<string, Replica[]>();
      for (const r of routing.replicas) byEntity.set(r.servedEntity, [...(byEntity.get(r.servedEntity) ?? []), r]);
      const routed = new Set(routing.config?.routes.filter((r) => r.trafficPercentage > 0).map((r) => r.servedEntityName));
      index = { byEntity, routed: routing.replicas.filter((r) => routed.has(r.servedEntity)) };
      indexes.set(routing, index);
    }
    return index;
  }

  /** A ready replica for this call: the drawn entity's, else (mid-rollout, failed entity) any routed one's. */
  function choose(routing: Routing, entity: string, exclude?: string): Replica | undefined {
    const { byEntity, routed } = indexOf(routing);
    return pickReplica(byEntity.get(entity) ?? [], inFlight.get, random(), exclude) ?? pickReplica(routed, inFlight.get, random(), exclude);
  }

  /** Prometheus children per endpoint, entity and version: inc({labels}) would hash the label set on every call. */
  const series = new Map<string, { requests: Map<string, { inc(): void }>; duration: { observe(v: number): void } }>();
  function count(endpoint: string, replica: Replica, status: number, seconds: number): void {
    const key = `${endpoint}\0${replica.servedEntity}\0${replica.modelVersion}`;
    let s = series.get(key);
    if (!s) {
      if (series.size >= 1_000) series.clear();
      s = { requests: new Map(), duration: m.servingDuration.labels({ endpoint, entity: replica.servedEntity }) };
      series.set(key, s);
    }
    const cls = statusClass(status);
    let requests = s.requests.get(cls);
    if (!requests) {
      requests = m.servingRequests.labels({ endpoint, entity: replica.servedEntity, version: String(replica.modelVersion), class: cls });
      s.requests.set(cls, requests);
    }
    requests.inc();
    s.duration.observe(seconds);
  }

  /** Wakes a scaled-to-zero entity and polls for its first ready replica, with backoff, until the deadline or the caller leaves. */
  async function awaitColdStart(db: Db, routing: Routing, entity: string, req: IncomingMessage): Promise<Routing | undefined> {
    const configId = routing.config?.id;
    if (!configId) return undefined;
    const deadline = Date.now() + deps.coldStartTimeoutMs;
    let delay = 250;
    while (Date.now() < deadline && !req.socket.destroyed) {
      await requestWake(db, routing.endpoint.id);
      await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
      delay = Math.min(delay * 1.5, 2_000);
      const replicas = await readyReplicas(db, routing.endpoint.id, configId);
      if (replicas.some((r) => r.servedEntity === entity)) {
        cache.delete(routing.endpoint.name);
        return { ...routing, replicas };
      }
    }
    return undefined;
  }

  function forwardTo(routing: Routing, replica: Replica, principal: Principal): Decision<ServingUpstream> {
    const { endpoint, config } = routing;
    const sampled = endpoint.logSampleRate > 0 && random() < endpoint.logSampleRate;
    const sampleBytes = Math.min(endpoint.logSampleBytes, MAX_SAMPLE_BYTES);
    inFlight.add(replica.id);
    return {
      kind: "forward",
      upstream: {
        url: replica.url,
        path: "/invocations",
        label: `${endpoint.name}/${replica.servedEntity}/${replica.id}`,
        // The scoring server takes no credential: the caller's are removed and nothing replaces them.
        auth: {},
        secrets: [],
        // A shadow copy needs the whole body, which the capture holds when it is under the sample cap.
        captureBytes: sampled || config?.shadowEntity ? sampleBytes : 0,
        routing,
        replica,
        caller: callerOf(principal),
        sampled,
      },
    };
  }

  async function authorize(req: IncomingMessage, principals: PrincipalCache): Promise<Decision<ServingUpstream>> {
    const name = INVOCATIONS.exec(pathOf(req.url ?? ""))?.[1];
    if (!name) return reject(404, "ENDPOINT_NOT_FOUND", "Serving endpoints answer at /serving-endpoints/<name>/invocations.");
    const attempt: Attempt = { name };
    if (deps.requestLog) attempts.set(req, attempt);
    if (req.method !== "POST") return reject(405, "BAD_REQUEST", "Call /invocations with POST and a JSON or CSV body.");
    const credential = credentialOf(headerSource(req.headers));
    if (!credential) return { kind: "reject", error: unauthorized() };
    // The cookie rides along on any same-site request; only the portal's own pages may use it here.
    if (credential.kind === "session" && isCrossSite(req.headers, deps.publicOrigin))
      return reject(
        403,
        "PERMISSION_DENIED",
        "A call signed in by the portal's cookie must come from the portal's own pages; elsewhere, send an API token with the serving:invoke scope.",
      );
    const db = await deps.getDb();
    const principal = await principals.get(credential, () => resolveCredential(db, credential));
    if (!principal) return { kind: "reject", error: unauthorized() };
    attempt.principal = principal;
    let routing = await routingNamed(db, name);
    if (!routing) return reject(404, "RESOURCE_DOES_NOT_EXIST", `There is no serving endpoint "${name}".`);
    attempt.routing = routing;
    const refusal = invokeRefusalWith(principal, routing.endpoint, routing.grants);
    if (refusal) return reject(refusal.status, refusal.status === 404 ? "RESOURCE_DOES_NOT_EXIST" : "PERMISSION_DENIED", refusal.message);
    const config = routing.config;
    if (!config)
      return reject(503, "TEMPORARILY_UNAVAILABLE", `The endpoint "${name}" has no config rolled out yet; try again once it is ready.`);
    const entity = pickEntity(config.routes, random()) ?? config.servedEntities[0]?.name ?? "";
    let replica = choose(routing, entity);
    const scalesToZero = config.servedEntities.some((e) => e.name === entity && e.scaleToZeroEnabled);
    if (!replica && scalesToZero) {
      const woken = await awaitColdStart(db, routing, entity, req);
      if (woken) {
        routing = woken;
        replica = choose(routing, entity);
      }
      if (!replica)
        return reject(
          503,
          "TEMPORARILY_UNAVAILABLE",
          `The endpoint "${name}" was scaled to zero and did not start within ${Math.round(deps.coldStartTimeoutMs / 1000)} s; try again shortly.`,
        );
    }
    if (!replica)
      return reject(503, "TEMPORARILY_UNAVAILABLE", `The endpoint "${name}" has no ready replica right now; try again shortly.`);
    return forwardTo(routing, replica, principal);
  }

  function logRow(upstream: ServingUpstream, ex: Omit<Exchange<ServingUpstream>, "req">, shadow: boolean): RequestLogInsert {
    const { endpoint } = upstream.routing;
    return {
      endpointId: endpoint.id,
      endpointName: endpoint.name,
      at: new Date(Date.now() - ex.durationMs),
      callerId: upstream.caller.id,
      callerName: upstream.caller.name,
      tokenId: upstream.caller.tokenId,
      servedEntity: upstream.replica.servedEntity,
      modelVersion: upstream.replica.modelVersion,
      shadow,
      status: ex.status,
      latencyMs: Math.round(ex.durationMs * 1000) / 1000,
      requestBytes: ex.bytesIn,
      responseBytes: ex.bytesOut,
      requestSample: upstream.sampled ? text(ex.requestHead) : null,
      responseSample: upstream.sampled ? text(ex.responseHead) : null,
    };
  }

  /** The caller has had the answer: the same body to a shadow replica, logged, never returned, never waited for. */
  function sendShadow(ex: Exchange<ServingUpstream>, upstream: ServingUpstream): void {
    const { routing } = upstream;
    const shadowEntity = routing.config?.shadowEntity;
    if (!shadowEntity) return;
    const skip = (reason: string) => m.servingShadowSkipped.inc({ endpoint: routing.endpoint.name, reason });
    const body = ex.requestHead ?? Buffer.alloc(0);
    if (ex.bytesIn > body.length) return skip("body_over_sample_cap");
    const replica = pickReplica(
      routing.replicas.filter((r) => r.servedEntity === shadowEntity),
      inFlight.get,
      random(),
    );
    if (!replica) return skip("no_ready_replica");
    if (shadowsInFlight >= MAX_SHADOW_IN_FLIGHT) return skip("too_many_in_flight");
    shadowsInFlight++;
    inFlight.add(replica.id);
    const started = performance.now();
    const cap = Math.min(routing.endpoint.logSampleBytes, MAX_SAMPLE_BYTES);
    const shadowUpstream: ServingUpstream = {
      ...upstream,
      replica,
      url: replica.url,
      label: `${routing.endpoint.name}/${replica.servedEntity}`,
    };
    let finished = false;
    const finish = (status: number, bytesOut: number, head: Buffer | undefined) => {
      if (finished) return;
      finished = true;
      shadowsInFlight--;
      inFlight.done(replica.id);
      const row = {
        status,
        durationMs: performance.now() - started,
        bytesIn: body.length,
        bytesOut,
        requestHead: body,
        responseHead: head,
      };
      deps.requestLog?.add(logRow(shadowUpstream, row, true));
    };
    const { hostname, port } = new URL(replica.url);
    const contentType = headerValue(ex.req.headers, "content-type");
    const shadowReq = request(
      {
        agent: shadowAgent,
        hostname,
        port,
        method: "POST",
        path: "/invocations",
        headers: { ...(contentType ? { "content-type": contentType } : {}), "content-length": body.length },
        timeout: deps.upstreamTimeoutMs ?? 120_000,
      },
      (res) => {
        let head: Buffer | undefined;
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          if (bytes < cap) head = Buffer.concat([head ?? Buffer.alloc(0), chunk.subarray(0, cap - bytes)]);
          bytes += chunk.length;
        });
        res.on("end", () => finish(res.statusCode ?? 0, bytes, head));
        res.on("error", () => finish(0, bytes, head));
      },
    );
    shadowReq.on("timeout", () => shadowReq.destroy(new Error("ETIMEDOUT")));
    shadowReq.on("error", () => finish(0, 0, undefined));
    shadowReq.end(body);
  }

  /**
   * A call refused before it reached a replica (401, 403, 405, 503): a row of its endpoint, when there is one, with
   * the caller when known. An endpoint not yet looked up (a 401 or 405) is looked up after the answer, through the
   * routing cache; a name that is no endpoint gets no row.
   */
  function logRefusal(ex: Exchange<ServingUpstream>): void {
    const attempt = attempts.get(ex.req);
    const log = deps.requestLog;
    if (!attempt || !log || ex.status < 400) return;
    // No such endpoint: nothing to look up again, and no budget spent on it.
    if (!attempt.routing && ex.status === 404) return;
    if (!refusals.admit(attempt.name)) return m.servingRefusalsUnlogged.inc();
    const at = new Date(Date.now() - ex.durationMs);
    const write = (routing: Routing | undefined) => {
      if (!routing) return;
      const caller = callerOf(attempt.principal);
      log.add({
        endpointId: routing.endpoint.id,
        endpointName: routing.endpoint.name,
        at,
        callerId: caller.id,
        callerName: caller.name,
        tokenId: caller.tokenId,
        servedEntity: null,
        modelVersion: null,
        shadow: false,
        status: ex.status,
        latencyMs: Math.round(ex.durationMs * 1000) / 1000,
        requestBytes: 0,
        responseBytes: 0,
        requestSample: null,
        responseSample: null,
      });
    };
    if (attempt.routing) return write(attempt.routing);
    void deps
      .getDb()
      .then((db) => routingNamed(db, attempt.name))
      .then(write, (err: unknown) => console.warn("[atrium] serving: a refused call's endpoint could not be looked up:", err));
  }

  function onExchange(ex: Exchange<ServingUpstream>): void {
    const upstream = ex.upstream;
    if (!upstream) return logRefusal(ex);
    inFlight.done(upstream.replica.id);
    count(upstream.routing.endpoint.name, upstream.replica, ex.status, ex.durationMs / 1000);
    deps.requestLog?.add(logRow(upstream, ex, false));
    sendShadow(ex, upstream);
  }

  /** A replica refused the connection (stopped since the routing was read): once more on another. */
  function retryUpstream(refused: ServingUpstream): ServingUpstream | undefined {
    cache.delete(refused.routing.endpoint.name);
    const next = choose(refused.routing, refused.replica.servedEntity, refused.replica.id);
    if (!next) return undefined;
    inFlight.done(refused.replica.id);
    inFlight.add(next.id);
    return { ...refused, replica: next, url: next.url, label: `${refused.routing.endpoint.name}/${next.servedEntity}/${next.id}` };
  }

  return {
    upstreamName: "serving endpoint",
    claims: (req) => (req.url ?? "").startsWith("/serving-endpoints/"),
    authorize: (req, { principals }) => authorize(req, principals),
    websockets: false,
    errorJson: servingErrorJson,
    principalCacheMs: deps.principalCacheMs,
    upstreamTimeoutMs: deps.upstreamTimeoutMs,
    maxRequestBytes: MAX_INVOCATION_BYTES,
    retryUpstream,
    onExchange,
    inFlight,
  };
}
