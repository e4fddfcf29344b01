/**
 * The portal's own routes (the run page's edits, registering from a run) calling an MLflow operation: the same
 * input check, target, access rule and events as a client's request (dispatch.ts), with MLflow's refusal
 * answered the portal's way, `{ error, message }` with the same status and sentence.
 */
import type { Db } from "@/db/client";
import type { Principal } from "@/lib/auth/principal";
import { ApiError } from "@/lib/http/api-error";
import type { Body } from "../context";
import { TrackingError } from "../errors";
import { matchOperation, runOperation } from "./dispatch";
import type { Fields } from "./read-request";

/** Runs the POST operation at `path` (e.g. "runs/update"). */
export const callOperation = (db: Db, principal: Principal, path: string, fields: Fields): Promise<Body> =>
  runOperation({ db, principal }, matchOperation(path.split("/"), "POST").op, fields);

export async function asPortal<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof TrackingError) throw new ApiError(err.status, err.code.toLowerCase(), err.message);
    throw err;
  }
}
