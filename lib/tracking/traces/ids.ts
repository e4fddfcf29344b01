/** Trace, span and assessment ids as MLflow 3 makes them (mlflow/tracing/utils/__init__.py, mlflow/entities/assessment.py). */
import { randomBytes } from "node:crypto";
import { invalidParam } from "../errors";

/** MLflow accepts any trace id string; ours must be printable and short enough to index and put in a path. */
const TRACE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const ASSESSMENT_ID = /^a-[0-9a-f]{32}$/;

export const newAssessmentId = () => `a-${randomBytes(16).toString("hex")}`;
/** MLflow 3's id for an OpenTelemetry trace id (32 hex characters). */
export const traceIdOfOtel = (hex: string) => `tr-${hex}`;

export function validateTraceId(id: string, field = "trace_id"): string {
  if (!TRACE_ID.test(id))
    throw invalidParam(`Invalid value ${JSON.stringify(id.slice(0, 140))} for parameter '${field}' supplied: not a trace id.`);
  return id;
}

export const isAssessmentId = (id: string) => ASSESSMENT_ID.test(id);
