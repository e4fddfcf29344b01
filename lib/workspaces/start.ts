import { randomBytes } from "node:crypto";
import type { Db } from "@/db/client";
import { findEnvironment, type EnvironmentRow } from "@/db/queries/environments";
import { findRole, listRoles } from "@/db/queries/roles";
import { findServer, updateServer, upsertServer, ACTIVE_STATES, type ServerRow } from "@/db/queries/servers";
import { lockUserById } from "@/db/queries/users";
import { assertCan, environmentRefusal } from "@/lib/auth/access";
import { serverResourceAt } from "./query";
import { SYSTEM_PRINCIPAL, type Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { getConfig } from "@/lib/config";
import { ApiError, badRequest, conflict, forbidden, notFound, refused } from "@/lib/http/api-error";
import { metrics, spawnFailureReason } from "@/lib/metrics/registry";
import { missingImageAdvice } from "@/lib/environments/image-hint";
import { heldBy } from "@/lib/quota/holdings";
import { effectiveLimits } from "@/lib/quota/limits";
import { machineCapacity, machineRefusal } from "@/lib/usage/capacity";
import { SpawnError, type Spawner } from "@/lib/spawner";
import { insertApiToken, revokeTokenById } from "@/lib/tokens/manage";
import { baseUrlOf, labelOf } from "./names";
import { quotaError, quotaRefusal } from "./quota";
import { waitForJupyter } from "./readiness";
import { workspaceRef, workspaceSpec } from "./workload";
import type { StartRequest } from "./schemas";
import { serverView, type ServerView } from "./view";
import { portalEnv } from "./portal-env";
import { judgeInProject } from "@/lib/projects/allowance";
import { projectToCreateIn } from "@/lib/projects/manage";

/**
 * How long to wait before asking the engine again whether a container that Jupyter has not answered
 * from yet has died: each second at first (a bad command or an early out-of-memory dies at once), then
 * less often as the wait grows, because 20 starts in a queue would otherwise put 20 inspects a second
 * on the same engine that is starting their containers.
 */
function statusCheckGapMs(elapsedMs: number): number {
  return Math.min(3_000, Math.max(1_000, elapsedMs / 3));
}

export const engineUnavailable = () =>
  new ApiError(503, "engine_unavailable", "The container engine cannot be reached right now; try again in a minute or tell an admin.");

function checkEnvironment(env: EnvironmentRow | undefined, id: string, role: string, ask: StartRequest): EnvironmentRow {
  if (!env) throw badRequest("unknown_environment", `There is no environment "${id}".`);
  const notAllowed = environmentRefusal(role, env);
  if (notAllowed) throw refused(notAllowed);
  if (env.maxCpu !== null && ask.cpu > env.maxCpu)
    throw forbidden("limit_exceeded", `The environment "${env.name}" allows at most ${env.maxCpu} CPUs.`);
  if (env.maxMemGb !== null && ask.memGb > env.maxMemGb)
    throw forbidden("limit_exceeded", `The environment "${env.name}" allows at most ${env.maxMemGb} GiB.`);
  return env;
}

/**
 * Reserves the server under the person's quota in one transaction that locks their row, so concurrent
 * starts are counted one at a time, then spawns it in the background. Returns at once (status pending).
 * The actor must be allowed to operate the server (lib/auth/access.ts), whoever called.
 */
export async function startServer(
  db: Db,
  spawner: Spawner,
  actor: Principal,
  user: string,
  server: string,
  ask: StartRequest,
): Promise<ServerView> {
  const resource = await serverResourceAt(db, user, server);
  assertCan(actor, "operate", resource, refused);
  const project = await projectToCreateIn(db, actor, ask.project, "use", "start a server");
  if (!(await spawner.ping())) throw engineUnavailable();
  const machine = await machineCapacity(spawner);
  const jupyterToken = randomBytes(24).toString("base64url");
  const ownerId = resource.owner.id;
  const reserved = await db.transaction(async (tx) => {
    // By id: the person the check above was about, still bearing this name.
    const owner = ownerId === null ? undefined : await lockUserById(tx, ownerId);
    const role = owner?.name === user ? await findRole(tx, owner.role) : undefined;
    if (!owner || !role) throw notFound("user_not_found", `There is no user named "${user}".`);
    const env = checkEnvironment(await findEnvironment(tx, ask.environment), ask.environment, owner.role, ask);
    const existing = await findServer(tx, user, server);
    if (existing && ACTIVE_STATES.includes(existing.status)) {
      throw conflict("already_running", `The server ${labelOf({ user, server })} is already ${existing.status}.`);
    }
    const limits = effectiveLimits(role, owner.limits);
    const refusal = quotaRefusal(ask, limits, await heldBy(tx, owner.id), owner.role);
    // Every role is read only to name one that would allow the ask.
    if (refusal) throw quotaError(refusal, owner.role, await listRoles(tx));
    const tooBig = machineRefusal(ask, machine, owner.role, limits);
    if (tooBig) throw forbidden("exceeds_machine", tooBig);
    if (project) {
      const inProject = await judgeInProject(tx, project.id, { what: "server", cpu: ask.cpu, memGb: ask.memGb });
      if (!inProject.fits) throw forbidden("project_allowance_exceeded", inProject.reason);
    }
    await recordAudit(tx, {
      actor: actor.name,
      action: "server.start",
      target: labelOf({ user, server }),
      detail: { environment: env.id, cpu: ask.cpu, memGb: ask.memGb, ...(project ? { project: project.name } : {}) },
    });
    // The workspace's MLflow token is made in the same transaction: a refused start leaves none behind,
    // and a start commits once before the engine is asked for anything.
    const tracking = await insertApiToken(tx, SYSTEM_PRINCIPAL, owner, {
      kind: "workspace",
      note: `MLflow token of ${labelOf({ user, server })}`,
    });
    const now = new Date();
    const row = await upsertServer(tx, {
      userName: user,
      ownerId: owner.id,
      name: server,
      environmentId: env.id,
      cpu: ask.cpu,
      memGb: ask.memGb,
      status: "pending",
      reason: null,
      phase: "queued",
      progress: 5,
      message: "Queued",
      url: null,
      jupyterToken,
      trackingTokenId: tracking.id,
      imageId: null,
      requestedAt: now,
      startedAt: null,
      stoppedAt: null,
      lastActivity: now,
      projectId: project?.id ?? null,
    });
    return { row, env, tracking, project: project?.name, owner: { id: owner.id, homeVolume: owner.homeVolume, pids: limits.maxPids } };
  });
  void spawnInBackground(db, spawner, reserved.env, reserved.row, reserved.owner, jupyterToken, reserved.tracking, reserved.project);
  return serverView(reserved.row);
}

async function progress(db: Db, user: string, server: string, phase: string, pct: number, message: string): Promise<void> {
  await updateServer(db, user, server, { phase, progress: pct, message }, ["pending"]);
}

function reasonOf(err: unknown, image: string): string {
  if (err instanceof SpawnError) {
    if (err.reason === "engine_unavailable") return "the container engine could not be reached";
    // Often a new installation's first start: say which command builds the image.
    if (err.reason === "image_missing") return missingImageAdvice(image);
    return err.failure?.reason ?? err.message.replace(/\.$/, "");
  }
  return err instanceof Error ? err.message : String(err);
}

async function spawnInBackground(
  db: Db,
  spawner: Spawner,
  env: EnvironmentRow,
  row: ServerRow,
  owner: { id: string; homeVolume: string; pids: number },
  jupyterToken: string,
  tracking: { id: string; token: string },
  /** The project's name, for MLFLOW_WORKSPACE; undefined: the personal space. */
  project: string | undefined,
): Promise<void> {
  const user = row.userName;
  const server = row.name;
  const ref = workspaceRef({ user, server });
  const deadline = Date.now() + getConfig().spawnTimeoutS * 1000;
  try {
    const image = await spawner.imageInfo(env.image);
    await updateServer(
      db,
      user,
      server,
      { imageId: image.id ?? null, phase: "creating", progress: 15, message: "Creating the container" },
      ["pending"],
    );
    const started = await spawner.start(
      workspaceSpec({
        user,
        server,
        ownerId: owner.id,
        homeVolume: owner.homeVolume,
        environment: env,
        cpu: row.cpu,
        memGb: row.memGb,
        pids: owner.pids,
        token: jupyterToken,
        env: portalEnv({ user, server, environment: env.id, image: env.image, trackingToken: tracking.token, project }),
      }),
      // "creating" was written just before; only the step to "starting" is news.
      (e) => void (e.phase === "starting" ? progress(db, user, server, e.phase, 40, e.message) : undefined),
    );
    if (!started.url) throw new Error("the workspace started without an address");
    const url = started.url;
    await updateServer(db, user, server, { url, phase: "waiting", progress: 50, message: "Waiting for Jupyter to answer" }, ["pending"]);
    let shown = 50;
    let checkedAt = 0;
    const ready = await waitForJupyter(url, baseUrlOf({ user, server }), jupyterToken, deadline, async (ms) => {
      // Every 10 points (about 3 s): under 20 simultaneous starts each write queues on the same
      // database connection as the "running" writes that end the others' waits.
      const pct = Math.min(95, 50 + Math.floor(ms / 300));
      if (pct >= shown + 10) {
        shown = pct;
        await progress(db, user, server, "waiting", pct, "Waiting for Jupyter to answer");
      }
      // A container that died (out of memory, bad command) will never answer: say why now, not at the
      // timeout; how often the engine is asked grows with the wait (statusCheckGapMs).
      if (ms - checkedAt >= statusCheckGapMs(ms)) {
        checkedAt = ms;
        const status = await spawner.status(ref);
        if (status.state === "failed") throw new Error(status.reason);
      }
    });
    if (!ready) {
      const status = await spawner.status(ref).catch(() => undefined);
      const why = status?.state === "failed" ? status.reason : `Jupyter did not answer within ${getConfig().spawnTimeoutS} s`;
      throw new Error(why);
    }
    const now = new Date();
    const running = await updateServer(
      db,
      user,
      server,
      { status: "running", phase: "ready", progress: 100, message: "Ready", startedAt: now, lastActivity: now },
      ["pending"],
    );
    if (!running)
      await spawner.stop(ref); // stopped while starting: don't leave a container behind
    else metrics().spawnDuration.observe((now.getTime() - row.requestedAt.getTime()) / 1000);
  } catch (err) {
    const reason = reasonOf(err, env.image);
    await spawner.remove(ref).catch(() => undefined);
    await revokeTokenById(db, tracking.id).catch(() => undefined);
    await updateServer(
      db,
      user,
      server,
      { status: "failed", phase: "failed", reason, message: reason, progress: 100, stoppedAt: new Date(), url: null, jupyterToken: null },
      ["pending"],
    ).catch((e: unknown) => console.error(`[atrium] could not record the failure of ${labelOf({ user, server })}:`, e));
    console.warn(`[atrium] spawn of ${labelOf({ user, server })} failed: ${reason}`);
    metrics().spawnFailures.inc({ reason: spawnFailureReason(reason) });
  }
}
