import { serverRowFixture, withOwnerId } from "@/db/server-fixture";
/**
 * An attacker's view of deleting a person and creating her name again: the new "e-alice" is someone else
 * and must not change anything the deleted e-alice made (experiments, runs, registered models, logged
 * models, artifacts), nor inherit her storage count, her workspace codes and cookie sessions, or her usage history. Principals come from real API tokens through
 * resolvePrincipal, and the deletion goes through removeUser, as the portal does it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { updateServer, upsertServer } from "@/db/queries/servers";
import { insertToken } from "@/db/queries/tokens";
import { deletedUsers, storageUsage, usageSamples, users, workspaceCodes, workspaceSessions } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { segmentsFromPath } from "@/lib/artifacts/paths";
import { deleteArtifact, uploadArtifact } from "@/lib/artifacts/service";
import { resolvePrincipal, type Principal } from "@/lib/auth/principal";
import { generateToken, hashToken } from "@/lib/auth/tokens";
import { ApiError } from "@/lib/http/api-error";
import type { Spawner } from "@/lib/spawner";
import { trackingClient, type Json } from "@/lib/tracking/testing";
import { myUsageReport } from "@/lib/usage/report";
import { recordUsageSample } from "@/lib/usage/sample";
import { issueWorkspaceCode, openWorkspaceSession, redeemWorkspaceCode, workspaceSessionPrincipal } from "@/lib/workspaces/origin-auth";
import { createUser, removeUser } from "./manage";
import { describeMe } from "./me";

const ALICE = "e-alice";
const ROOT = "e-root";

/** e-alice has no servers and her volume is kept: deleting her must not touch the engine at all. */
const untouchedEngine: Spawner = new Proxy({} as Spawner, {
  get: (_t, method) => () => Promise.reject(new Error(`the engine was asked to ${String(method)}`)),
});

async function* bytes(n: number): AsyncIterable<Uint8Array> {
  yield new Uint8Array(n).fill(0x61);
}

async function apiStatus(p: Promise<unknown>): Promise<number> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(err)}`);
  return err.status;
}

/** A personal token for `name`, resolved the way every API request is. */
async function tokenPrincipal(db: Db, name: string, scopes: string[] = ["account"]): Promise<Principal> {
  const token = generateToken();
  await insertToken(
    db,
    await withOwnerId(db, {
      id: `tok_${name}_${Math.random().toString(36).slice(2)}`,
      userName: name,
      hash: hashToken(token),
      kind: "personal",
      note: null,
      scopes,
      expiresAt: null,
    }),
  );
  const p = await resolvePrincipal(db, new Headers({ authorization: `Bearer ${token}` }));
  if (!p) throw new Error(`the token of ${name} did not resolve`);
  return p;
}

const root = mkdtempSync(path.join(os.tmpdir(), "atrium-name-reuse-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

for (const kind of DB_KINDS) {
  describe(`a name created again owns nothing of the deleted person's (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok, fails } = trackingClient(db);
    const store = new LocalArtifactStore(path.join(root, kind));
    const OLD_BYTES = 700;

    let admin: Principal;
    let oldAlice: Principal;
    let newAlice: Principal;
    let old: { experimentId: string; runId: string; model: string; loggedModel: string; artifacts: string[] };
    /** What opened her workspace on its own origin before she was deleted: an admin's code and cookie, and her own cookie. */
    let workspace: { adminCode: string; adminCookie: string; ownCookie: string };
    const HER_SERVER = { user: ALICE, server: "default" };

    const artifact = (rel: string) => [...old.artifacts, ...rel.split("/")];
    const ctx = (p: Principal) => ({ db: db(), principal: p, store });

    beforeEach(async () => {
      await db().delete(users);
      await db().delete(deletedUsers);
      await db().delete(storageUsage);
      await db().delete(usageSamples);
      await db().delete(workspaceCodes);
      await db().delete(workspaceSessions);
      const bootstrap: Principal = { name: "bootstrap", role: "admin", admin: true, via: "bootstrap" };
      await createUser(db(), bootstrap, { name: ROOT, role: "admin" });
      admin = await tokenPrincipal(db(), ROOT, ["admin"]);
      await createUser(db(), admin, { name: ALICE, role: "user" });
      oldAlice = await tokenPrincipal(db(), ALICE);

      const suffix = Math.random().toString(36).slice(2);
      const exp = await ok(call("POST", "experiments/create", { name: `e-old-${suffix}` }, oldAlice));
      const run = (await ok(call("POST", "runs/create", { experiment_id: exp.experiment_id }, oldAlice))).run as {
        info: { run_id: string; artifact_uri: string };
      };
      const model = `e-old-model-${suffix}`;
      await ok(call("POST", "registered-models/create", { name: model }, oldAlice));
      await ok(
        call("POST", "model-versions/create", { name: model, source: `${run.info.artifact_uri}/model`, run_id: run.info.run_id }, oldAlice),
      );
      const logged = (
        await ok(call("POST", "logged-models", { experiment_id: exp.experiment_id, source_run_id: run.info.run_id }, oldAlice))
      ).model as { info: { model_id: string } };
      old = {
        experimentId: String(exp.experiment_id),
        runId: run.info.run_id,
        model,
        loggedModel: logged.info.model_id,
        artifacts: segmentsFromPath(run.info.artifact_uri.slice("mlflow-artifacts:/".length)),
      };
      await uploadArtifact(ctx(oldAlice), artifact("weights.bin"), bytes(OLD_BYTES));
      expect((await describeMe(db(), oldAlice)).storage.usedBytes).toBe(OLD_BYTES);

      // Her workspace ran a minute (sampled), was opened on its own origin by an admin and by her, then stopped.
      await upsertServer(db(), await serverRowFixture(db(), ALICE, "default", { cpu: 2, memGb: 3 }));
      await recordUsageSample(db(), untouchedEngine, { now: new Date(Date.now() - 120_000) });
      const adminGrant = { ownerId: oldAlice.userId ?? "", principalId: admin.userId ?? "", portalSession: null };
      workspace = {
        adminCode: await issueWorkspaceCode(db(), admin, HER_SERVER, "/user/e-alice/default/"),
        adminCookie: (await openWorkspaceSession(db(), adminGrant, HER_SERVER)).value,
        ownCookie: (await openWorkspaceSession(db(), { ...adminGrant, principalId: oldAlice.userId ?? "" }, HER_SERVER)).value,
      };
      expect(await workspaceSessionPrincipal(db(), workspace.adminCookie, HER_SERVER)).toMatchObject({ name: ROOT });
      await updateServer(db(), ALICE, "default", { status: "stopped" });

      await removeUser(db(), untouchedEngine, admin, ALICE, { volume: "keep" });
      await createUser(db(), admin, { name: ALICE, role: "user" });
      newAlice = await tokenPrincipal(db(), ALICE);
      expect(newAlice.name).toBe(oldAlice.name);
    });

    const denied = (p: Promise<{ status: number; body: Json }>) => fails(p, 403, "PERMISSION_DENIED");

    it("may not rename, tag, delete or restore the old experiment; an admin may", async () => {
      const id = old.experimentId;
      await denied(call("POST", "experiments/update", { experiment_id: id, new_name: `e-taken-${id}` }, newAlice));
      await denied(call("POST", "experiments/set-experiment-tag", { experiment_id: id, key: "k", value: "v" }, newAlice));
      await denied(call("POST", "experiments/delete", { experiment_id: id }, newAlice));
      await ok(call("POST", "experiments/update", { experiment_id: id, new_name: `e-renamed-${id}` }, admin));
      await ok(call("POST", "experiments/delete", { experiment_id: id }, admin));
      await denied(call("POST", "experiments/restore", { experiment_id: id }, newAlice));
    });

    it("may not log to, change or delete the old run, nor say it produced a model; an admin may", async () => {
      const run_id = old.runId;
      const msg = await denied(call("POST", "runs/log-metric", { run_id, key: "loss", value: 1, timestamp: 1 }, newAlice));
      // She is told why, not that "e-alice" (her own name) may.
      expect(msg).toContain("deleted");
      await denied(call("POST", "runs/log-parameter", { run_id, key: "p", value: "1" }, newAlice));
      await denied(call("POST", "runs/log-batch", { run_id, metrics: [{ key: "loss", value: 2, timestamp: 2 }] }, newAlice));
      await denied(call("POST", "runs/set-tag", { run_id, key: "k", value: "v" }, newAlice));
      await denied(call("POST", "runs/update", { run_id, status: "FINISHED" }, newAlice));
      await denied(call("POST", "runs/outputs", { run_id, models: [{ model_id: old.loggedModel, step: 0 }] }, newAlice));
      await denied(call("POST", "logged-models", { experiment_id: old.experimentId, source_run_id: run_id }, newAlice));
      await denied(call("POST", "runs/delete", { run_id }, newAlice));
      await ok(call("POST", "runs/log-metric", { run_id, key: "loss", value: 1, timestamp: 1 }, admin));
      await ok(call("POST", "runs/delete", { run_id }, admin));
    });

    it("may not change, rename or delete the old registered model or its versions; an admin may", async () => {
      const name = old.model;
      await denied(call("PATCH", "registered-models/update", { name, description: "mine now" }, newAlice));
      await denied(call("POST", "registered-models/rename", { name, new_name: `${name}-stolen` }, newAlice));
      await denied(call("POST", "registered-models/set-tag", { name, key: "k", value: "v" }, newAlice));
      await denied(call("POST", "model-versions/create", { name, source: "mlflow-artifacts:/0/x/artifacts/model" }, newAlice));
      await denied(call("PATCH", "model-versions/update", { name, version: "1", description: "mine" }, newAlice));
      await denied(call("DELETE", "model-versions/delete", { name, version: "1" }, newAlice));
      await denied(call("DELETE", "registered-models/delete", { name }, newAlice));
      await ok(call("POST", "registered-models/rename", { name, new_name: `${name}-by-admin` }, admin));
      await ok(call("DELETE", "registered-models/delete", { name: `${name}-by-admin` }, admin));
    });

    it("may not finalize, tag or delete the old logged model or upload its files; an admin may", async () => {
      const model_id = old.loggedModel;
      await denied(call("PATCH", `logged-models/${model_id}`, { model_id, status: "LOGGED_MODEL_READY" }, newAlice));
      await denied(call("PATCH", `logged-models/${model_id}/tags`, { model_id, tags: [{ key: "k", value: "v" }] }, newAlice));
      await denied(call("DELETE", `logged-models/${model_id}`, { model_id }, newAlice));
      // Nor its files (`<experiment>/models/<model_id>/artifacts/...`).
      const files = [old.experimentId, "models", model_id, "artifacts", "MLmodel"];
      expect(await apiStatus(uploadArtifact(ctx(newAlice), files, bytes(5)))).toBe(403);
      await uploadArtifact(ctx(admin), files, bytes(5));
      await ok(call("DELETE", `logged-models/${model_id}`, { model_id }, admin));
    });

    it("may not upload to or delete the old run's artifacts; an admin may, and that frees none of her bytes", async () => {
      expect(await apiStatus(uploadArtifact(ctx(newAlice), artifact("weights.bin"), bytes(1)))).toBe(403);
      expect(await apiStatus(uploadArtifact(ctx(newAlice), artifact("new.bin"), bytes(1)))).toBe(403);
      expect(await apiStatus(deleteArtifact(ctx(newAlice), artifact("weights.bin")))).toBe(403);
      expect(await store.sizeOf(artifact("weights.bin").join("/"))).toBe(OLD_BYTES);

      await uploadArtifact(ctx(newAlice), await ownRunArtifact("hers.bin"), bytes(50));
      await uploadArtifact(ctx(admin), artifact("notes.txt"), bytes(3));
      await deleteArtifact(ctx(admin), artifact("weights.bin"));
      expect((await describeMe(db(), newAlice)).storage.usedBytes).toBe(50);
    });

    it("starts at zero storage, and what she creates is hers", async () => {
      expect((await describeMe(db(), newAlice)).storage.usedBytes).toBe(0);
      const exp = await ok(call("POST", "experiments/create", { name: `e-new-${Math.random()}` }, newAlice));
      await ok(call("POST", "experiments/set-experiment-tag", { experiment_id: exp.experiment_id, key: "k", value: "v" }, newAlice));
      const run = (await ok(call("POST", "runs/create", { experiment_id: exp.experiment_id }, newAlice))).run as {
        info: { run_id: string; user_id: string };
      };
      // The wire keeps the name: clients show it.
      expect(run.info.user_id).toBe(ALICE);
      await ok(call("POST", "runs/log-metric", { run_id: run.info.run_id, key: "loss", value: 1, timestamp: 1 }, newAlice));
      const model = `e-new-model-${Math.random()}`;
      await ok(call("POST", "registered-models/create", { name: model }, newAlice));
      await ok(call("PATCH", "registered-models/update", { name: model, description: "mine" }, newAlice));
      await uploadArtifact(ctx(newAlice), await ownRunArtifact("a.bin"), bytes(20));
      expect((await describeMe(db(), newAlice)).storage.usedBytes).toBe(20);
    });

    it("does not pick up her workspace codes, cookie sessions or usage history", async () => {
      // Her namesake's server of the same name: the old codes and cookies named this address.
      await upsertServer(db(), await serverRowFixture(db(), ALICE, "default"));
      expect(await redeemWorkspaceCode(db(), workspace.adminCode, HER_SERVER)).toBeNull();
      expect(await workspaceSessionPrincipal(db(), workspace.adminCookie, HER_SERVER)).toBeNull();
      expect(await workspaceSessionPrincipal(db(), workspace.ownCookie, HER_SERVER)).toBeNull();
      const { limits } = await describeMe(db(), newAlice);
      const hers = await myUsageReport(db(), oldAlice.userId, limits, "1h");
      expect(hers.rows.some((r) => r.cpuAllocated === 2)).toBe(true);
      const mine = await myUsageReport(db(), newAlice.userId, limits, "1h");
      expect(mine.rows.filter((r) => (r.cpuAllocated ?? 0) > 0)).toEqual([]);
    });

    /** A path inside a new run of the new alice's. */
    async function ownRunArtifact(rel: string): Promise<string[]> {
      const exp = await ok(call("POST", "experiments/create", { name: `e-own-${Math.random()}` }, newAlice));
      const run = (await ok(call("POST", "runs/create", { experiment_id: exp.experiment_id }, newAlice))).run as {
        info: { artifact_uri: string };
      };
      return [...segmentsFromPath(run.info.artifact_uri.slice("mlflow-artifacts:/".length)), rel];
    }
  });
}
