/**
 * The serving-endpoints API's refusals, in Databricks' and MLflow's `{ error_code, message }` (the routes answer
 * through `mlflowErrorResponse`, lib/http/api-error.ts). The portal's own `error` code is the same name in lower case.
 */
import { ApiError } from "@/lib/http/api-error";

type ServingErrorCode =
  | "INVALID_PARAMETER_VALUE"
  | "RESOURCE_ALREADY_EXISTS"
  | "RESOURCE_DOES_NOT_EXIST"
  | "PERMISSION_DENIED"
  | "RESOURCE_EXHAUSTED"
  | "RESOURCE_CONFLICT";

const STATUS: Readonly<Record<ServingErrorCode, number>> = {
  INVALID_PARAMETER_VALUE: 400,
  PERMISSION_DENIED: 403,
  // 403, not 429: MLflow's deployment client retries 429s (MLFLOW_DEPLOYMENT_CLIENT_REQUEST_RETRY_CODES).
  RESOURCE_EXHAUSTED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 409,
  RESOURCE_CONFLICT: 409,
};

export function servingError(code: ServingErrorCode, message: string): ApiError {
  return new ApiError(STATUS[code], code.toLowerCase(), message, { error_code: code });
}

export const invalidEndpointInput = (message: string) => servingError("INVALID_PARAMETER_VALUE", message);
export const noSuchEndpoint = (name: string) => servingError("RESOURCE_DOES_NOT_EXIST", `There is no serving endpoint "${name}".`);

/**
 * A serving-endpoints call Databricks has and Atrium does not (rate limits, the AI gateway, build logs, …): 404
 * `ENDPOINT_NOT_FOUND`, Databricks' code for an unknown API path, with the calls there are.
 */
export function unsupportedServingCall(method: string, path: string): Response {
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return Response.json(
    {
      error_code: "ENDPOINT_NOT_FOUND",
      message: `Atrium has no ${method} ${shown} call; an endpoint's calls are its config (PUT), permissions (GET, PATCH, PUT) and tags (PATCH) (docs/serving.md).`,
    },
    { status: 404 },
  );
}
