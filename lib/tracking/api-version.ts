/**
 * The MLflow release whose server API the portal implements, answered at `/version` (MLflow serves it from
 * mlflow/server/__init__.py as plain text; there is no /api/2.0/mlflow/version). Clients compare it to gate
 * features, so it must never claim more than the portal answers. It is the lowest release with everything
 * the portal serves: logged models (3.0), the v3 trace API and assessments (3.0–3.4), webhooks (3.3), GenAI
 * evaluation datasets and scorers, OTLP span ingest at /v1/traces (3.6.0), and workspaces with the
 * `server-info` probe the client sends before it uses one (3.10.0: `mlflow.set_workspace`,
 * mlflow/store/workspace/rest_store.py, /api/3.0/mlflow/server-info). Raise it when an endpoint of a later
 * release lands, and only then.
 */
export const MLFLOW_API_VERSION = "3.10.0";
