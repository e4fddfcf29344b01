import type { RunStatus } from "@/db/schema";

export const RUN_STATUSES = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] as const satisfies readonly RunStatus[];
export const VIEW_TYPES = ["ACTIVE_ONLY", "DELETED_ONLY", "ALL"] as const;
export const RUN_NAME_TAG = "mlflow.runName";
/** A run's description, as MLflow's UI writes it. */
export const DESCRIPTION_TAG = "mlflow.note.content";
export const DEFAULT_ARTIFACT_ROOT = "mlflow-artifacts:";

/** The lifecycle a view type shows; null for ALL. */
export function lifecycleOf(view: (typeof VIEW_TYPES)[number] | undefined): "active" | "deleted" | null {
  return view === undefined || view === "ACTIVE_ONLY" ? "active" : view === "DELETED_ONLY" ? "deleted" : null;
}
