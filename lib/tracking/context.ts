/** What every MLflow operation receives besides its input. */
import type { Db } from "@/db/client";
import type { Principal } from "@/lib/auth/principal";

export interface TrackingContext {
  /** The request's transaction for write operations (lib/tracking/http/dispatch.ts). */
  db: Db;
  principal: Principal;
  /**
   * The MLflow workspace the client chose (`X-MLFLOW-WORKSPACE`, set by `mlflow.set_workspace` or
   * `MLFLOW_WORKSPACE`): the project its experiments and registered models are created in (lib/tracking/workspace.ts).
   * Absent: the caller's personal space.
   */
  workspace?: string;
  /** Epoch milliseconds; injectable for tests. */
  now?: () => number;
}

export type Body = Record<string, unknown>;

export const nowOf = (ctx: TrackingContext) => (ctx.now ? ctx.now() : Date.now());
