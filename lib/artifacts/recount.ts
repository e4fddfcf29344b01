/**
 * Recounts everyone's storage from what is stored: artifact files from the store itself and MLflow 3 trace
 * spans from their rows. For installations that had artifacts before storage was counted (the count starts
 * at 0 for everyone), or after files were changed behind the portal's back. Walks `<experiment>/<run>` and
 * `<experiment>/models/<model>` folders, the layout scope.ts maps to owners (by id, as storage is counted).
 * Uploads that finish during the walk may be miscounted by their own size; run it when uploads are quiet.
 */
import type { Db } from "@/db/client";
import { findLoggedModel } from "@/db/queries/logged-models";
import { replaceExperimentBytes } from "@/db/queries/project-storage";
import { replaceStorage } from "@/db/queries/storage-usage";
import { spanBytesByOwner } from "@/db/queries/traces";
import { findRun } from "@/db/queries/tracking";
import type { ArtifactStore } from "./store";
import { recordAudit } from "@/lib/audit/record";
import type { Principal } from "@/lib/auth/principal";

export interface RecountResult {
  owners: number;
  bytes: number;
  /** Folders whose run or logged model is not in the database any more, or is nobody's (the bootstrap token's): measured, counted for nobody. */
  orphanBytes: number;
}

/** Each run's and logged model's folder with its owner's id (null: nobody's, or no such row any more). */
async function ownedFolders(db: Db, store: ArtifactStore): Promise<{ key: string; ownerId: string | null }[]> {
  const out: { key: string; ownerId: string | null }[] = [];
  for (const exp of await store.list("")) {
    if (!exp.isDir) continue;
    for (const child of await store.list(exp.name)) {
      if (!child.isDir) continue;
      if (child.name === "models") {
        for (const model of await store.list(`${exp.name}/models`)) {
          if (model.isDir)
            out.push({ key: `${exp.name}/models/${model.name}`, ownerId: (await findLoggedModel(db, model.name))?.ownerId ?? null });
        }
      } else {
        out.push({ key: `${exp.name}/${child.name}`, ownerId: (await findRun(db, child.name))?.ownerId ?? null });
      }
    }
  }
  return out;
}

export async function recountStorage(db: Db, store: ArtifactStore, actor: Principal): Promise<RecountResult> {
  // MLflow 3 trace spans are stored data too, counted against their trace's owner (lib/tracking/traces/store-spans.ts).
  const byOwner = await spanBytesByOwner(db);
  // Each experiment's artifact bytes too, which its project's storage budget sums (lib/projects/allowance-storage.ts).
  const byExperiment = new Map<number, number>();
  let orphanBytes = 0;
  for (const { key, ownerId } of await ownedFolders(db, store)) {
    const bytes = await store.sizeOf(key);
    const experimentId = Number(key.split("/")[0]);
    if (Number.isSafeInteger(experimentId)) byExperiment.set(experimentId, (byExperiment.get(experimentId) ?? 0) + bytes);
    if (ownerId === null) orphanBytes += bytes;
    else byOwner.set(ownerId, (byOwner.get(ownerId) ?? 0) + bytes);
  }
  await replaceStorage(db, byOwner);
  await replaceExperimentBytes(db, byExperiment);
  const result = { owners: byOwner.size, bytes: [...byOwner.values()].reduce((a, b) => a + b, 0), orphanBytes };
  await recordAudit(db, { actor: actor.name, action: "storage.recount", target: null, detail: { ...result } });
  return result;
}
