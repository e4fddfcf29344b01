/**
 * The run page's changes: its name, description (the `mlflow.note.content` tag MLflow's UI writes) and tags in
 * one transaction, and a delete or restore. Each step is the MLflow operation itself (runs/update, set-tag,
 * delete-tag, delete, restore: lib/tracking/http/operations.ts), so the one access rule decides exactly as it
 * does for a client: changing a run needs EDIT on it (its experiment's space), deleting it MANAGE, as MLflow's
 * DeleteRun does.
 */
import type { Db } from "@/db/client";
import type { Principal } from "@/lib/auth/principal";
import { DESCRIPTION_TAG } from "./constants";
import { asPortal, callOperation } from "../http/portal-call";

export interface RunEdit {
  name?: string | undefined;
  /** "" removes the description. */
  description?: string | undefined;
  setTags?: { key: string; value: string }[] | undefined;
  deleteTags?: string[] | undefined;
}

const call = callOperation;

export function editRun(db: Db, principal: Principal, runId: string, edit: RunEdit): Promise<void> {
  return asPortal(() =>
    db.transaction(async (tx) => {
      if (edit.name !== undefined) await call(tx, principal, "runs/update", { run_id: runId, run_name: edit.name });
      for (const key of edit.deleteTags ?? []) await call(tx, principal, "runs/delete-tag", { run_id: runId, key });
      for (const tag of edit.setTags ?? []) await call(tx, principal, "runs/set-tag", { run_id: runId, ...tag });
      if (edit.description !== undefined) {
        await call(tx, principal, "runs/set-tag", { run_id: runId, key: DESCRIPTION_TAG, value: edit.description });
      }
    }),
  );
}

/** MLflow's soft delete: the run keeps everything and `restoreRunOf` brings it back. */
export const deleteRunOf = (db: Db, principal: Principal, runId: string) =>
  asPortal(() => call(db, principal, "runs/delete", { run_id: runId }).then(() => undefined));

export const restoreRunOf = (db: Db, principal: Principal, runId: string) =>
  asPortal(() => call(db, principal, "runs/restore", { run_id: runId }).then(() => undefined));
