/**
 * The MLflow release whose server API the portal implements, answered at `/version` (MLflow serves it from
 * mlflow/server/__init__.py as plain text; there is no /api/2.0/mlflow/version). Clients compare it to gate
 * features, so it must never claim more than the portal answers. 3.6.0 is the lowest release with everything
 * the portal serves: logged models with their metrics and params (3.0), the v3 trace API and assessments
 * (3.0–3.4) and OTLP span ingest at /v1/traces, first served by the MLflow server in 3.6.0. Raise it when
 * an endpoint of a later release lands, and only then.
 */
export const MLFLOW_API_VERSION = "3.6.0";
