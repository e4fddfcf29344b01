/**
 * The serving reconciler (docs/serving.md, "Replicas"), a short tick on the leader (lib/workloads/loop.ts): for
 * each endpoint it turns the config revisions in Postgres into replicas on the engine, one workload of kind
 * "endpoint" each (workload.ts), and writes serving_replicas, which the invocations proxy reads.
 *
 * A pass per endpoint: starting replicas that answer /ping become `ready` (their bundle token is revoked: they
 * have their bundle); ones whose container ended, or that did not answer within the spawn timeout, become `failed`
 * with the `[atrium] model failed to load: …` line of their log; draining ones past the drain period are stopped.
 * Then a pending config in progress gets its replicas; once every served entity has its count ready, it becomes the
 * active config and the old replicas drain. A pending replica that fails fails the rollout (UPDATE_FAILED, the reason,
 * the old config keeps serving). The active config keeps its count: a crashed replica is replaced, and a
 * scale-to-zero entity with no call for the idle time drops to none until a wake request; under load (the request
 * log's last seconds, written by every portal) it grows toward max_replicas and shrinks after a cool-down
 * (desired-replicas.ts). Nothing waits inside a pass but the engine's start: readiness is asked once per tick, so a
 * slow model never holds up the others.
 */
import type { Db } from "@/db/client";
import { findRole } from "@/db/queries/roles";
import { findConfigs, type EndpointConfigRow } from "@/db/queries/serving";
import {
  deleteStaleBundleTokens,
  endpointsToReconcile,
  insertReplica,
  knownUserIds,
  liveReplicas,
  promoteConfig,
  setEndpointState,
  updateReplica,
  type ReconciledEndpoint,
  type ReplicaRow,
} from "@/db/queries/serving-replicas";
import { busyMsSince } from "@/db/queries/serving-request-log";
import type { ReplicaState, ServedEntityRecord } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import { SYSTEM_PRINCIPAL } from "@/lib/auth/principal";
import { getConfig } from "@/lib/config";
import { nounOf, SpawnError, type ListedWorkload, type Spawner } from "@/lib/spawner";
import type { OutputLimit } from "@/lib/spawner/bounded-output";
import type { ReconcileReport } from "@/lib/workspaces/reconcile";
import { issueBundleToken, revokeBundleToken } from "./bundle-token";
import { floorReplicas, loadReplicas, replacedEntity, rolloutReplicas } from "./desired-replicas";
import { ReplicaRefusal, servedImage } from "./image";
import { newReplicaId, replicaRef, replicaSpec } from "./workload";

export interface ServingDeps {
  db: Db;
  spawner: Spawner;
  /** The portal as containers reach it (ATRIUM_WORKSPACE_PORTAL_URL): where a replica fetches its bundle. */
  portalUrl: string;
  bundleMaxBytes: number;
  /** A replica that does not answer /ping by then has failed (ATRIUM_SPAWN_TIMEOUT_S). */
  spawnTimeoutMs: number;
  /** How long a replica out of rotation lives on for its requests in flight (ATRIUM_SERVING_DRAIN_S). */
  drainMs: number;
  /** A scale-to-zero entity with no call for this long drops to no replica (ATRIUM_SERVING_IDLE_SECONDS). */
  idleMs: number;
  /** Calls in flight per replica before an entity scales up (ATRIUM_SERVING_TARGET_CONCURRENCY). */
  targetConcurrency: number;
  /** How long the load must want fewer replicas before they drain (ATRIUM_SERVING_SCALE_DOWN_S). */
  scaleDownMs: number;
  /**
   * The leader's memory of when each active entity's load last wanted the replicas it has (desired-replicas.ts):
   * kept between passes; a new leader starts empty, which only delays a scale-down by one cool-down.
   */
  busyAt?: Map<string, number>;
  /** Whether a replica at this URL answers GET /ping with 200; default: one request of at most 2 s. */
  ping?: (url: string) => Promise<boolean>;
  now?: () => number;
}

/** The deps from the portal's configuration (lib/config/index.ts). */
export function servingDepsOf(db: Db, spawner: Spawner): ServingDeps {
  const config = getConfig();
  return {
    db,
    spawner,
    portalUrl: config.workspacePortalUrl,
    bundleMaxBytes: config.servingBundleMaxBytes,
    spawnTimeoutMs: config.spawnTimeoutS * 1000,
    drainMs: config.serving.drainMs,
    idleMs: config.serving.idleMs,
    targetConcurrency: config.serving.targetConcurrency,
    scaleDownMs: config.serving.scaleDownMs,
    busyAt: leaderBusyAt,
  };
}

/** This process's memory of load (ServingDeps.busyAt), while it is the leader. */
const leaderBusyAt = new Map<string, number>();
/** The window the load is averaged over: long enough to smooth bursts, short enough to scale up within a few ticks. */
export const LOAD_WINDOW_MS = 10_000;

/** The line the scoring server prints before exiting when the model cannot be loaded (runtime/mlmodel.py). */
export const LOAD_FAILURE_PREFIX = "[atrium] model failed to load: ";
/** How much of a failed replica's log is read for that line. */
const LOG_LIMIT: OutputLimit = {
  maxBytes: 256 * 1024,
  deadlineMs: 10_000,
  what: "The serving replica",
  consequence: "its failure reason is the engine's",
  truncate: true,
};
const PING_TIMEOUT_MS = 2_000;

async function pingOnce(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** The reason a replica's log gives for the model not loading, if it printed one. */
async function loadFailureOf(spawner: Spawner, r: ReplicaRow): Promise<string | undefined> {
  let found: string | undefined;
  try {
    for await (const line of await spawner.logs(replicaRef(r.id), { follow: false, limit: LOG_LIMIT })) {
      if (line.startsWith(LOAD_FAILURE_PREFIX)) found = line.slice(LOAD_FAILURE_PREFIX.length).slice(0, 1000);
    }
  } catch {
    // The engine's own reason stands.
  }
  return found === undefined ? undefined : `The model failed to load: ${found}`;
}

class EndpointPass {
  private readonly now: number;
  private readonly ping: (url: string) => Promise<boolean>;

  constructor(
    private readonly deps: ServingDeps,
    private readonly e: ReconciledEndpoint,
    /** Its replicas that hold a workload; states are updated here as the pass changes them. */
    private readonly replicas: ReplicaRow[],
    private readonly listed: ReadonlyMap<string, ListedWorkload>,
    /** Calls in flight per served entity of this endpoint, averaged over LOAD_WINDOW_MS. */
    private readonly load: ReadonlyMap<string, number>,
  ) {
    this.now = deps.now?.() ?? Date.now();
    this.ping = deps.ping ?? pingOnce;
  }

  private get db(): Db {
    return this.deps.db;
  }

  private set(r: ReplicaRow, state: ReplicaState, extra: Partial<Pick<ReplicaRow, "url" | "reason" | "readyAt">> = {}): Promise<void> {
    Object.assign(r, { state, ...extra, updatedAt: new Date(this.now) });
    return updateReplica(this.db, r.id, { state, ...extra }, new Date(this.now));
  }

  /** Ends a replica's workload and token: stopped gracefully when it drained, removed when it failed. */
  private async retire(r: ReplicaRow, state: "stopped" | "failed", reason: string | null): Promise<void> {
    const ref = replicaRef(r.id);
    await (state === "stopped" ? this.deps.spawner.stop(ref) : this.deps.spawner.remove(ref)).catch((err: unknown) =>
      console.warn(`[atrium] could not remove ${nounOf(ref)}:`, err),
    );
    await revokeBundleToken(this.db, r.id);
    await this.set(r, state, { reason });
  }

  /** A starting replica: ready once /ping answers, failed when its container ended or the spawn timeout passed. */
  private async watchStarting(r: ReplicaRow): Promise<string | undefined> {
    const listed = this.listed.get(r.id);
    const status = listed?.status ?? { state: "missing" as const };
    if (status.state === "running") {
      const url = r.url ?? listed?.url ?? null;
      if (url && (await this.ping(url))) {
        await revokeBundleToken(this.db, r.id);
        await this.set(r, "ready", { url, readyAt: new Date(this.now) });
        return undefined;
      }
      if (this.now - r.startedAt.getTime() < this.deps.spawnTimeoutMs) return undefined;
      const reason =
        (await loadFailureOf(this.deps.spawner, r)) ??
        `The replica did not answer /ping within ${Math.round(this.deps.spawnTimeoutMs / 1000)} s (ATRIUM_SPAWN_TIMEOUT_S).`;
      await this.retire(r, "failed", reason);
      return reason;
    }
    const reason =
      (await loadFailureOf(this.deps.spawner, r)) ??
      (status.state === "failed" ? `The replica's container ended: ${status.reason}` : "The replica's container is gone.");
    await this.retire(r, "failed", reason);
    return reason;
  }

  /** A ready replica whose container ended: failed (the count is made up below). */
  private async watchReady(r: ReplicaRow): Promise<void> {
    const status = this.listed.get(r.id)?.status;
    if (status?.state === "running") return;
    await this.retire(
      r,
      "failed",
      status?.state === "failed" ? `The replica's container ended: ${status.reason}` : "The replica's container is gone.",
    );
  }

  private live(configId?: string, entity?: string): ReplicaRow[] {
    return this.replicas.filter(
      (r) =>
        (r.state === "starting" || r.state === "ready") &&
        (configId === undefined || r.configId === configId) &&
        (entity === undefined || r.servedEntity === entity),
    );
  }

  private async startReplica(config: EndpointConfigRow, entity: ServedEntityRecord): Promise<void> {
    const image = await servedImage(this.db, this.deps.spawner, entity, this.e.ownerRole);
    const role = await findRole(this.db, this.e.ownerRole);
    const owner = { id: this.e.ownerId, name: this.e.ownerName };
    const row = await insertReplica(this.db, {
      id: newReplicaId(this.e.id, config.version),
      endpointId: this.e.id,
      configId: config.id,
      servedEntity: entity.name,
      modelVersion: entity.entityVersion,
    });
    this.replicas.push(row);
    const token = await issueBundleToken(this.db, row.id, owner);
    try {
      const { url } = await this.deps.spawner.start(
        replicaSpec({
          replicaId: row.id,
          endpointId: this.e.id,
          servedEntity: entity.name,
          owner,
          image,
          cpu: entity.cpu,
          memGb: entity.memGb,
          pids: role?.maxPids,
          portalUrl: this.deps.portalUrl,
          bundleToken: token,
          bundleMaxBytes: this.deps.bundleMaxBytes,
        }),
      );
      if (url) await this.set(row, "starting", { url });
    } catch (err) {
      const reason = err instanceof SpawnError ? err.message : `The replica could not be started: ${String(err)}`;
      await this.retire(row, "failed", reason);
      throw new ReplicaRefusal(reason);
    }
  }

  private floor(entity: ServedEntityRecord): number {
    return floorReplicas(entity, this.e, this.now, this.deps.idleMs);
  }

  /**
   * The active config's entity scales with its load between its floor and max_replicas; a pending one starts with
   * as many as the entity it replaces has ready (desired-replicas.ts `rolloutReplicas`), at least its floor.
   */
  private wanted(config: EndpointConfigRow, entity: ServedEntityRecord, current: number): number {
    const floor = this.floor(entity);
    if (config.id !== this.e.activeConfigId) {
      const active = this.configs.get(this.e.activeConfigId ?? "");
      const replaced = active ? replacedEntity(active.servedEntities, entity, config.servedEntities.length) : undefined;
      const replacing = active && replaced ? this.live(active.id, replaced).filter((r) => r.state === "ready").length : 0;
      return rolloutReplicas(floor, entity.maxReplicas, replacing);
    }
    const key = `${config.id}/${entity.name}`;
    const busy = this.deps.busyAt;
    const { want, busyAt } = loadReplicas({
      floor,
      max: entity.maxReplicas,
      current,
      concurrency: this.load.get(entity.name) ?? 0,
      target: this.deps.targetConcurrency,
      now: this.now,
      busyAt: busy?.get(key),
      cooldownMs: this.deps.scaleDownMs,
    });
    busy?.set(key, busyAt);
    return want;
  }

  /** Starts what a config lacks and drains what it has too many of; whether every entity has its count ready. */
  private async fill(config: EndpointConfigRow): Promise<boolean> {
    let ready = true;
    for (const entity of config.servedEntities) {
      const mine = this.live(config.id, entity.name);
      const want = this.wanted(config, entity, mine.length);
      for (let i = mine.length; i < want; i++) await this.startReplica(config, entity);
      // The newest go first: the older ones are the ones known to answer.
      for (const extra of mine.slice(want).reverse()) await this.set(extra, "draining");
      if (this.live(config.id, entity.name).filter((r) => r.state === "ready").length < want) ready = false;
    }
    return ready;
  }

  private async audit(
    action: "endpoint.rollout" | "endpoint.rollout_failed",
    config: EndpointConfigRow,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    await recordAudit(this.db, {
      actor: SYSTEM_PRINCIPAL.name,
      action,
      target: this.e.name,
      detail: { id: this.e.id, config_version: config.version, ...extra },
    });
  }

  private async promote(config: EndpointConfigRow): Promise<void> {
    if (!(await promoteConfig(this.db, this.e.id, config.id))) return;
    for (const old of this.replicas.filter((r) => r.configId !== config.id && (r.state === "ready" || r.state === "starting"))) {
      if (old.state === "ready") await this.set(old, "draining");
      else await this.retire(old, "stopped", "A newer config was rolled out.");
    }
    Object.assign(this.e, {
      activeConfigId: config.id,
      pendingConfigId: null,
      configUpdate: "NOT_UPDATING",
      ready: "READY",
      stateReason: null,
    });
    await this.audit("endpoint.rollout", config);
  }

  private async failRollout(config: EndpointConfigRow, reason: string): Promise<void> {
    for (const r of this.live(config.id)) await this.retire(r, "stopped", "The rollout of its config failed.");
    const message = this.e.activeConfigId
      ? `Config version ${config.version} did not become ready, so the previous config keeps serving: ${reason}`
      : `Config version ${config.version} did not become ready: ${reason}`;
    await setEndpointState(this.db, this.e.id, { configUpdate: "UPDATE_FAILED", stateReason: message, ready: this.readiness() });
    this.e.configUpdate = "UPDATE_FAILED";
    await this.audit("endpoint.rollout_failed", config, { reason });
  }

  /** READY while each entity of the active config has a ready replica or may have none (scaled to zero). */
  private readiness(): "READY" | "NOT_READY" {
    const active = this.configs.get(this.e.activeConfigId ?? "");
    if (!active) return "NOT_READY";
    const served = (x: ServedEntityRecord) => this.floor(x) === 0 || this.live(active.id, x.name).some((r) => r.state === "ready");
    return active.servedEntities.every(served) ? "READY" : "NOT_READY";
  }

  private configs = new Map<string, EndpointConfigRow>();

  async run(): Promise<void> {
    const ids = [this.e.activeConfigId, this.e.pendingConfigId].filter((id): id is string => id !== null);
    this.configs = new Map((await findConfigs(this.db, ids)).map((c) => [c.id, c]));
    const failures = new Map<string, string>();
    for (const r of this.replicas.filter((x) => x.state === "starting")) {
      const reason = await this.watchStarting(r);
      if (reason !== undefined && !failures.has(r.configId)) failures.set(r.configId, reason);
    }
    for (const r of this.replicas.filter((x) => x.state === "ready")) await this.watchReady(r);
    for (const r of this.replicas.filter((x) => x.state === "draining")) {
      if (this.now - r.updatedAt.getTime() >= this.deps.drainMs) await this.retire(r, "stopped", null);
    }
    const pending = this.e.configUpdate === "IN_PROGRESS" && this.e.pendingConfigId ? this.configs.get(this.e.pendingConfigId) : undefined;
    const active = this.e.activeConfigId ? this.configs.get(this.e.activeConfigId) : undefined;
    // Replicas of a config that is neither serving nor being rolled out (a failed or superseded one) leave.
    for (const r of this.live().filter((x) => x.configId !== pending?.id && x.configId !== active?.id)) {
      if (r.state === "ready") await this.set(r, "draining");
      else await this.retire(r, "stopped", "Its config is no longer served.");
    }
    if (active) {
      try {
        await this.fill(active);
      } catch (err) {
        if (!(err instanceof ReplicaRefusal)) throw err;
        console.warn(`[atrium] endpoint ${this.e.name}: ${err.message}`);
      }
    }
    if (pending) {
      const failed = failures.get(pending.id);
      if (failed !== undefined) return this.failRollout(pending, failed);
      try {
        if (await this.fill(pending)) return this.promote(pending);
      } catch (err) {
        if (!(err instanceof ReplicaRefusal)) throw err;
        return this.failRollout(pending, err.message);
      }
      return;
    }
    const ready = this.readiness();
    if (ready !== this.e.ready) await setEndpointState(this.db, this.e.id, { ready });
  }
}

/**
 * Objects of kind "endpoint" that no live replica row claims (a deleted endpoint's, a replica marked stopped whose
 * removal failed) are removed, if their owner is someone this database knows: another portal sharing the engine
 * labels its objects with people it alone has. The one reconcile (lib/workloads/reconcile.ts) and each serving
 * pass call it.
 */
export async function settleReplicas(db: Db, spawner: Spawner, listed: ListedWorkload[], report: ReconcileReport): Promise<void> {
  if (listed.length === 0) return;
  const live = new Set((await liveReplicas(db)).map((r) => r.id));
  const strays = listed.filter((l) => !live.has(l.ref.id));
  const known = await knownUserIds(db, [...new Set(strays.flatMap((l) => (l.ownerId ? [l.ownerId] : [])))]);
  for (const l of strays) {
    if (!l.ownerId || !known.has(l.ownerId)) continue;
    await spawner.remove(l.ref).catch((err: unknown) => console.warn(`[atrium] could not remove ${nounOf(l.ref)}:`, err));
    report.stopped.push(nounOf(l.ref));
  }
}

/** Forgets the load memory of configs no longer active, so the map holds at most the active entities. */
function pruneBusyAt(busyAt: Map<string, number> | undefined, endpoints: readonly ReconciledEndpoint[]): void {
  if (!busyAt) return;
  const active = new Set(endpoints.flatMap((e) => (e.activeConfigId ? [e.activeConfigId] : [])));
  for (const key of busyAt.keys()) if (!active.has(key.slice(0, key.indexOf("/")))) busyAt.delete(key);
}

/**
 * One serving pass over every endpoint; false when the engine cannot be reached (nothing changed then). Without an
 * endpoint it asks the engine nothing: a deleted endpoint's containers are then the 30-second reconcile's.
 */
export async function reconcileServing(deps: ServingDeps): Promise<boolean> {
  const endpoints = await endpointsToReconcile(deps.db);
  if (endpoints.length === 0) {
    await deleteStaleBundleTokens(deps.db);
    return true;
  }
  if (!(await deps.spawner.ping())) return false;
  const endpointObjects = (await deps.spawner.list()).filter((l) => l.ref.kind === "endpoint");
  const listed = new Map(endpointObjects.map((l) => [l.ref.id, l]));
  const replicas = await liveReplicas(deps.db);
  const now = deps.now?.() ?? Date.now();
  const busy = await busyMsSince(deps.db, new Date(now - LOAD_WINDOW_MS));
  pruneBusyAt(deps.busyAt, endpoints);
  for (const e of endpoints) {
    const mine = replicas.filter((r) => r.endpointId === e.id);
    const load = new Map(busy.filter((b) => b.endpointId === e.id).map((b) => [b.servedEntity, b.busyMs / LOAD_WINDOW_MS]));
    await new EndpointPass(deps, e, mine, listed, load)
      .run()
      .catch((err: unknown) => console.warn(`[atrium] serving endpoint ${e.name}:`, err));
  }
  await settleReplicas(deps.db, deps.spawner, endpointObjects, { adopted: [], stopped: [], failed: [], unknown: [], orphaned: [] });
  await deleteStaleBundleTokens(deps.db);
  return true;
}
