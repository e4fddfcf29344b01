import type { Refusal } from "@/lib/auth/access";

/** An error a client caused or may act on; becomes `{ error: code, message }` with this status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** More fields for the body, e.g. MLflow's `error_code` on the artifact routes its client reads. */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string) => new ApiError(400, code, message);
export const notFound = (code: string, message: string) => new ApiError(404, code, message);
export const forbidden = (code: string, message: string) => new ApiError(403, code, message);
export const conflict = (code: string, message: string) => new ApiError(409, code, message);
/** An access refusal (lib/auth/access.ts) as the portal answers it. */
export const refused = (r: Refusal) => new ApiError(r.status, r.code, r.message);

export function errorResponse(err: ApiError): Response {
  return Response.json({ ...err.extra, error: err.code, message: err.message }, { status: err.status });
}

/** MLflow's ErrorCode for a refusal the portal makes before an MLflow operation runs (docs/mlflow-rest.md §3). */
const MLFLOW_CODES: Readonly<Record<number, string>> = {
  400: "INVALID_PARAMETER_VALUE",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "RESOURCE_DOES_NOT_EXIST",
  413: "REQUEST_LIMIT_EXCEEDED",
  415: "BAD_REQUEST",
};

/** The same refusal as MLflow's clients read it: `{ error_code, message }`; an error that names its own `error_code` keeps it. */
export function mlflowErrorResponse(err: ApiError): Response {
  const code = err.extra.error_code ?? MLFLOW_CODES[err.status] ?? (err.status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST");
  return Response.json({ error_code: code, message: err.message }, { status: err.status });
}
