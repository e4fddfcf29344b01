import type { Db } from "@/db/client";
import type { Principal } from "@/lib/auth/principal";
import { ApiError, badRequest, conflict, notFound } from "@/lib/http/api-error";
import { chargeProjectStorage, expectProjectStorage, ProjectStorageExceeded } from "@/lib/projects/allowance-storage";
import { freeStorage, StorageMeter, StorageQuotaExceeded, underStorageLock } from "@/lib/quota/storage";
import { UnsafeArtifactPath } from "./paths";
import { assertArtifactWriter, resolveRunScope } from "./scope";
import { ArtifactConflict, type ArtifactFile, type ArtifactStore } from "./store";

export interface ArtifactContext {
  db: Db;
  principal: Principal;
  store: ArtifactStore;
}

/** MLflow's FileInfo as the mlflow-artifacts list endpoint returns it: the name only, relative to the listed folder. */
export interface WireFileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** Path mistakes are the caller's: one sentence and a 400, whichever check caught them. */
export function pathOrBadRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof UnsafeArtifactPath) throw badRequest("invalid_path", err.message);
    throw err;
  }
}

/** 413 in both formats: MLflow's client shows `error_code`, the portal's API readers `error`. */
function quotaError(err: StorageQuotaExceeded | ProjectStorageExceeded): ApiError {
  const code = err instanceof ProjectStorageExceeded ? "project_allowance_exceeded" : "storage_quota_exceeded";
  return new ApiError(413, code, err.message, { error_code: "RESOURCE_EXHAUSTED" });
}

/**
 * Stores an upload, counted against the scope owner's storage quota as it streams and against its experiment's
 * project's storage budget (lib/projects/allowance-storage.ts): a body that passes either (or declares a length
 * that would) is refused with 413 and nothing of it is kept. The body is
 * staged without a lock; making it the file and counting it is one step under the owner's storage lock,
 * measured from what the store holds then, so parallel overwrites and deletes cannot skew the count.
 */
export async function uploadArtifact(
  ctx: ArtifactContext,
  segments: string[],
  data: AsyncIterable<Uint8Array>,
  declaredBytes?: number,
): Promise<{ size: number }> {
  const scope = await resolveRunScope(ctx.db, segments, ctx.principal);
  assertArtifactWriter(ctx.principal, scope);
  if (scope.inside.length === 0)
    throw badRequest("invalid_path", `Upload to a file path inside the artifacts of ${scope.label}, not to the folder itself.`);
  // An overwritten file's bytes are already counted: while the body streams, the new one may reuse them.
  const replacing = await ctx.store.sizeOf(scope.key);
  const meter = await StorageMeter.forOwner(ctx.db, scope.owner, replacing);
  const experimentId = Number(scope.experimentId);
  try {
    await meter.expect(declaredBytes);
    await expectProjectStorage(ctx.db, experimentId, declaredBytes === undefined ? undefined : declaredBytes - replacing);
    const staged = await ctx.store.stage(scope.key, meter.metered(data));
    try {
      await underStorageLock(ctx.db, scope.owner.id, async (tx) => {
        const replaced = await ctx.store.sizeOf(scope.key);
        await meter.commit(tx, staged.size, replaced);
        await chargeProjectStorage(tx, experimentId, staged.size - replaced);
        await staged.commit();
      });
    } catch (err) {
      await staged.discard();
      throw err;
    }
    return { size: staged.size };
  } catch (err) {
    await meter.release();
    if (err instanceof StorageQuotaExceeded || err instanceof ProjectStorageExceeded) throw quotaError(err);
    if (err instanceof ArtifactConflict) throw conflict("artifact_conflict", err.message);
    throw err;
  }
}

export async function downloadArtifact(ctx: ArtifactContext, segments: string[]): Promise<{ name: string; file: ArtifactFile }> {
  const scope = await resolveRunScope(ctx.db, segments, ctx.principal);
  const file = await ctx.store.open(scope.key);
  const name = scope.inside.at(-1);
  if (!file || name === undefined)
    throw notFound("artifact_not_found", `The ${scope.label} has no artifact file "${scope.inside.join("/")}".`);
  return { name, file };
}

/** `{ files: [...] }`, or `{}` for an empty or missing folder, as MLflow's protobuf JSON leaves empty lists out. */
export async function listArtifacts(ctx: ArtifactContext, segments: string[]): Promise<{ files?: WireFileInfo[] }> {
  const scope = await resolveRunScope(ctx.db, segments, ctx.principal);
  const entries = await ctx.store.list(scope.key);
  if (entries.length === 0) return {};
  return {
    files: entries.map((e) => (e.isDir ? { path: e.name, is_dir: true } : { path: e.name, is_dir: false, file_size: e.size ?? 0 })),
  };
}

export async function deleteArtifact(ctx: ArtifactContext, segments: string[]): Promise<Record<string, never>> {
  const scope = await resolveRunScope(ctx.db, segments, ctx.principal);
  assertArtifactWriter(ctx.principal, scope);
  const failure = await underStorageLock(ctx.db, scope.owner.id, async (tx) => {
    const before = await ctx.store.sizeOf(scope.key);
    let failed: Error | undefined;
    try {
      await ctx.store.remove(scope.key);
    } catch (err) {
      failed = err instanceof Error ? err : new Error(String(err));
    }
    // A removal that failed half-way (S3 deletes in batches) still freed what it removed.
    const freed = before - (failed === undefined ? 0 : await ctx.store.sizeOf(scope.key));
    await freeStorage(tx, scope.owner.id, freed);
    await chargeProjectStorage(tx, Number(scope.experimentId), -freed);
    return failed;
  });
  if (failure !== undefined) throw failure;
  return {};
}
