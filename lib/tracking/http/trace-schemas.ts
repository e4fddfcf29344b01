/**
 * The input of the trace operations (mlflow/protos/service.proto StartTrace, EndTrace, StartTraceV3,
 * GetTraceInfo(V3), SearchTraces(V3), DeleteTraces, SetTraceTag, DeleteTraceTag, LinkTracesToRun; the
 * assessments in mlflow/protos/assessments.proto). Maps are protobuf JSON objects of strings; timestamps and
 * durations are read by lib/tracking/traces/wire.ts.
 */
import { z } from "zod";
import { TRACE_STATES, TRACE_STATUSES } from "../traces/wire";
import { int64, list, oneOf, requiredInt64, requiredText, text } from "./fields";

const stringMap = () => z.record(z.string(), z.string()).default({});
const keyValue = z.object({ key: requiredText(), value: z.string().default("") });
const timeValue = () => z.union([z.string(), z.number()]);
const location = z.object({
  type: text(),
  mlflow_experiment: z.object({ experiment_id: requiredText() }).optional(),
});

const source = z.object({ source_type: oneOf(["SOURCE_TYPE_UNSPECIFIED", "HUMAN", "LLM_JUDGE", "CODE"], 0), source_id: text() });
const assessmentError = z.object({ error_code: text(), error_message: text(), stack_trace: text() });
const assessmentFields = {
  assessment_name: text(),
  trace_id: text(),
  span_id: text(),
  source: source.optional(),
  expectation: z
    .object({
      // A dict or list comes as serialized_value instead (Expectation.to_proto), so value is optional.
      value: z.unknown().optional(),
      serialized_value: z.object({ serialization_format: text(), value: text() }).optional(),
    })
    .optional(),
  // log_feedback(error=...) sends an error and no value.
  feedback: z.object({ value: z.unknown().optional(), error: assessmentError.optional() }).optional(),
  rationale: text(),
  error: assessmentError.optional(),
  metadata: stringMap(),
  overrides: text(),
  valid: z.boolean().optional(),
};
const traceInfoV3 = z.object({
  trace_id: requiredText(),
  client_request_id: text(),
  trace_location: location.optional(),
  request_preview: text(),
  response_preview: text(),
  request_time: timeValue().optional(),
  execution_duration: timeValue().optional(),
  state: oneOf(TRACE_STATES, 0),
  trace_metadata: stringMap(),
  tags: stringMap(),
  // A trace may arrive with its assessments (the stores' start_trace keep them); each as CreateAssessment's.
  assessments: list(z.object({ ...assessmentFields, assessment_id: text() })),
});

const search = { filter: text(), max_results: int64(), order_by: list(z.string()), page_token: text() };

const assessmentRef = { trace_id: requiredText(), assessment_id: requiredText() };

export const traceSchemas = {
  startV3: z.object({ trace: z.object({ trace_info: traceInfoV3 }) }),
  startV2: z.object({
    experiment_id: requiredText(),
    timestamp_ms: requiredInt64(),
    request_metadata: list(keyValue),
    tags: list(keyValue),
  }),
  endV2: z.object({
    request_id: requiredText(),
    timestamp_ms: requiredInt64(),
    status: oneOf(TRACE_STATUSES, 0),
    request_metadata: list(keyValue),
    tags: list(keyValue),
  }),
  requestId: z.object({ request_id: requiredText() }),
  traceId: z.object({ trace_id: requiredText() }),
  searchV2: z.object({ experiment_ids: list(z.string()), ...search }),
  searchV3: z.object({ locations: list(location), experiment_ids: list(z.string()), ...search }),
  delete: z.object({
    experiment_id: requiredText(),
    max_timestamp_millis: int64(),
    max_traces: int64(),
    request_ids: list(z.string()),
    trace_ids: list(z.string()),
  }),
  setTagV2: z.object({ request_id: requiredText(), key: requiredText(), value: z.string().default("") }),
  setTagV3: z.object({ trace_id: requiredText(), key: requiredText(), value: z.string().default("") }),
  deleteTagV2: z.object({ request_id: requiredText(), key: requiredText() }),
  deleteTagV3: z.object({ trace_id: requiredText(), key: requiredText() }),
  link: z.object({ trace_ids: list(z.string()), run_id: requiredText() }),
  traceData: z.object({ request_id: requiredText(), path: text() }),
  filterCorrelation: z.object({
    experiment_ids: list(z.string()),
    filter_string1: requiredText(),
    filter_string2: requiredText(),
    base_filter: text(),
  }),
  createAssessment: z.object({ trace_id: requiredText(), assessment: z.object(assessmentFields) }),
  updateAssessment: z.object({
    ...assessmentRef,
    assessment: z.object(assessmentFields).default({ metadata: {} }),
    /** A FieldMask: protobuf JSON writes it as one comma-separated string of lowerCamelCase paths. */
    update_mask: z.union([z.string(), z.object({ paths: z.array(z.string()).default([]) })]).optional(),
  }),
  assessment: z.object(assessmentRef),
};

export type AssessmentInput = z.output<typeof traceSchemas.createAssessment>["assessment"];
export type TraceInfoV3Input = z.output<typeof traceInfoV3>;
