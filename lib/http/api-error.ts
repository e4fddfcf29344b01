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

export function errorResponse(err: ApiError): Response {
  return Response.json({ ...err.extra, error: err.code, message: err.message }, { status: err.status });
}
