import { mlflowRouteHandler } from "@atrium/core/lib/tracking/http/dispatch";

// MLflow REST API (docs/mlflow-rest.md); /ajax-api/2.0/mlflow re-exports these handlers.
const handler = mlflowRouteHandler("2.0");

export const GET = handler;
export const POST = handler;
export const PATCH = handler;
export const DELETE = handler;
