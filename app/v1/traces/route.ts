import { withUser } from "@atrium/core/lib/http/with-user";
import { ingestOtlpRequest } from "@atrium/core/lib/tracking/traces/otlp-ingest";

// OTLP/HTTP span export (the MLflow 3 client's log_spans, or any OpenTelemetry exporter with the header
// x-mlflow-experiment-id): protobuf or JSON bodies, docs/mlflow-rest.md §6.
export const POST = withUser("mlflow", async (req, { db, principal }) => ingestOtlpRequest(req, { db, principal }), undefined, {
  errors: "mlflow",
  body: "any",
});
