import { MLFLOW_API_VERSION } from "@atrium/core/lib/tracking/api-version";

/** The MLflow server version the tracking API speaks (lib/tracking/api-version.ts); MLflow 3 clients probe it. */
export function GET(): Response {
  return new Response(MLFLOW_API_VERSION, { headers: { "content-type": "text/plain" } });
}
