import { ApiError } from "@/lib/http/api-error";

/** The index could not be used: 502 when it refused or answered badly, 504 when it was too slow. */
export class IndexUnavailableError extends ApiError {
  constructor(status: 502 | 504, code: "index_unreachable" | "index_error" | "index_timeout", message: string) {
    super(status, code, message);
  }
}

export const indexNotConfigured = () =>
  new ApiError(503, "index_not_configured", "No package index is configured: an admin has to set PYPI_INDEX_URL.");
