import { mlflowRouteHandler } from "@atrium/core/lib/tracking/http/dispatch";

// MLflow 3's /api/3.0/mlflow/ surface (traces and assessments, docs/mlflow-rest.md §6): the same operation
// table as /api/2.0/mlflow/, its 3.0 rows. /ajax-api/3.0/mlflow re-exports these handlers.
const handler = mlflowRouteHandler("3.0");

export const GET = handler;
export const POST = handler;
export const PATCH = handler;
export const DELETE = handler;
