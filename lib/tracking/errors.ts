import type { Refusal } from "@/lib/auth/access";

/** MLflow's ErrorCode names this server uses, with their HTTP status (docs/mlflow-rest.md §3). */
const ERROR_STATUS = {
  INVALID_PARAMETER_VALUE: 400,
  BAD_REQUEST: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  PERMISSION_DENIED: 403,
  /** A body over the cap (lib/http/body.ts); MLflow's own code for it, with HTTP's status for it. */
  REQUEST_LIMIT_EXCEEDED: 413,
  /** The owner's storage quota (lib/quota/storage.ts); 413 as the artifact upload's refusal, never 429, which clients retry. */
  RESOURCE_EXHAUSTED: 413,
  UNAUTHENTICATED: 401,
  INVALID_STATE: 500,
  INTERNAL_ERROR: 500,
  NOT_IMPLEMENTED: 501,
} as const;

export type TrackingErrorCode = keyof typeof ERROR_STATUS;

/** An error the MLflow client understands: becomes `{ error_code, message }` with the code's status. */
export class TrackingError extends Error {
  readonly status: number;

  constructor(
    readonly code: TrackingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "TrackingError";
    this.status = ERROR_STATUS[code];
  }
}

export const invalidParam = (message: string) => new TrackingError("INVALID_PARAMETER_VALUE", message);
export const doesNotExist = (message: string) => new TrackingError("RESOURCE_DOES_NOT_EXIST", message);
export const permissionDenied = (message: string) => new TrackingError("PERMISSION_DENIED", message);
/** An access refusal (lib/auth/access.ts) in MLflow's words: 403 PERMISSION_DENIED, or 404 where existence must not show. */
export const refusedTracking = (r: Refusal): TrackingError => (r.status === 404 ? doesNotExist(r.message) : permissionDenied(r.message));

export function trackingErrorResponse(err: TrackingError): Response {
  return Response.json({ error_code: err.code, message: err.message }, { status: err.status });
}
