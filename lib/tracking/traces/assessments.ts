/**
 * Assessments on a trace (mlflow/protos/assessments.proto, the handlers under /api/3.0/mlflow/traces/
 * <trace_id>/assessments): feedback (a value or an error) or an expectation, with its source, rationale,
 * metadata, and the span it is about. An assessment that `overrides` another marks that one `valid: false`;
 * deleting the newer one makes the older valid again, as MLflow's store does. Writers as for the trace (access.ts).
 */
import {
  deleteAssessment as deleteAssessmentRow,
  findAssessment,
  insertAssessment,
  setAssessmentValid,
  updateAssessment as updateAssessmentRow,
  type AssessmentRow,
  type NewAssessment,
  type TraceRow,
} from "@/db/queries/traces";
import type { z } from "zod";
import { nowOf, type Body, type TrackingContext } from "../context";
import { doesNotExist, invalidParam } from "../errors";
import { missingParam } from "../http/fields";
import type { AssessmentInput, traceSchemas } from "../http/trace-schemas";
import { isAssessmentId, newAssessmentId } from "./ids";
import { idToHex } from "./spans";
import { assessmentView } from "./wire";

type In<K extends keyof typeof traceSchemas> = z.output<(typeof traceSchemas)[K]>;

async function assessmentOrThrow(ctx: TrackingContext, traceId: string, assessmentId: string): Promise<AssessmentRow> {
  const row = await findAssessment(ctx.db, traceId, assessmentId);
  if (!row) throw doesNotExist(`Assessment with ID '${assessmentId}' not found for trace '${traceId}'`);
  return row;
}

/** What a feedback or expectation stores: its value, and a feedback's error. */
function valueOf(a: AssessmentInput): Pick<NewAssessment, "kind" | "value" | "error"> {
  if (a.expectation && a.feedback) throw invalidParam("Exactly one of `expectation` or `feedback` should be specified.");
  if (a.expectation) {
    const { serialized_value } = a.expectation;
    return { kind: "expectation", value: serialized_value ? { serialized_value } : (a.expectation.value ?? null), error: null };
  }
  if (a.feedback) {
    const error = a.feedback.error ?? a.error;
    if (a.feedback.value === undefined && !error) throw invalidParam("A feedback needs a `value` or an `error`.");
    return { kind: "feedback", value: a.feedback.value ?? null, error: error ? { ...error } : null };
  }
  throw invalidParam("Exactly one of `expectation` or `feedback` should be specified.");
}

function spanIdOf(v: string | undefined): string | null {
  if (!v) return null;
  const hex = idToHex(v, 8);
  if (!hex) throw invalidParam(`Invalid value ${JSON.stringify(v)} for parameter 'assessment.span_id' supplied: not a span id.`);
  return v;
}

function checkedAssessmentId(id: string): string {
  if (!isAssessmentId(id)) throw invalidParam(`Invalid value ${JSON.stringify(id.slice(0, 80))} for parameter 'assessment_id' supplied.`);
  return id;
}

/** StartTraceV3's assessments; one the trace already has (the client retried) is kept as it is. */
export async function storeTraceInfoAssessments(
  ctx: TrackingContext,
  traceId: string,
  list: readonly (AssessmentInput & { assessment_id?: string | undefined })[],
): Promise<void> {
  for (const a of list) {
    if (a.trace_id && a.trace_id !== traceId) throw invalidParam(`An assessment's trace_id ${a.trace_id} is not the trace ${traceId}.`);
    if (a.assessment_id && (await findAssessment(ctx.db, traceId, a.assessment_id))) continue;
    await storeAssessment(ctx, traceId, a);
  }
}

export async function createAssessment(ctx: TrackingContext, input: In<"createAssessment">, trace: TraceRow): Promise<Body> {
  const a = input.assessment;
  if (a.trace_id && a.trace_id !== input.trace_id) {
    throw invalidParam(`The assessment's trace_id ${a.trace_id} is not the trace in the path, ${input.trace_id}.`);
  }
  return { assessment: assessmentView(await storeAssessment(ctx, trace.traceId, a)) };
}

/**
 * One assessment written to a trace the caller may change: CreateAssessment's, or one that came inside
 * StartTraceV3's trace info (which may carry its own id).
 */
export async function storeAssessment(
  ctx: TrackingContext,
  traceId: string,
  a: AssessmentInput & { assessment_id?: string | undefined },
): Promise<AssessmentRow> {
  if (!a.assessment_name) throw missingParam("assessment.assessment_name");
  if (!a.source?.source_type) throw missingParam("assessment.source.source_type");
  if (a.overrides) await assessmentOrThrow(ctx, traceId, a.overrides);
  const now = nowOf(ctx);
  const row = await insertAssessment(ctx.db, {
    assessmentId: a.assessment_id ? checkedAssessmentId(a.assessment_id) : newAssessmentId(),
    traceId,
    name: a.assessment_name,
    ...valueOf(a),
    spanId: spanIdOf(a.span_id),
    sourceType: a.source.source_type,
    sourceId: a.source.source_id ?? null,
    rationale: a.rationale ?? null,
    metadata: a.metadata,
    overrides: a.overrides ?? null,
    valid: a.valid ?? true,
    createTime: now,
    lastUpdateTime: now,
    creator: ctx.principal.name,
    ownerId: ctx.principal.userId ?? null,
  });
  if (!row) throw invalidParam(`Assessment ID '${a.assessment_id}' is already in use.`);
  if (a.overrides) await setAssessmentValid(ctx.db, traceId, a.overrides, false);
  return row;
}

/** The trace is the operation's target (lib/tracking/http/targets.ts): one the caller may not read is a 404. */
export async function getAssessment(ctx: TrackingContext, input: In<"assessment">, trace: TraceRow): Promise<Body> {
  return { assessment: assessmentView(await assessmentOrThrow(ctx, trace.traceId, input.assessment_id)) };
}

const MASK_FIELDS = new Map([
  ["assessment_name", "assessment_name"],
  ["assessmentName", "assessment_name"],
  ["expectation", "expectation"],
  ["feedback", "feedback"],
  ["rationale", "rationale"],
  ["metadata", "metadata"],
]);

function maskOf(mask: In<"updateAssessment">["update_mask"], a: AssessmentInput): Set<string> {
  const paths = mask === undefined ? [] : typeof mask === "string" ? mask.split(",").filter((p) => p !== "") : mask.paths;
  if (paths.length === 0) return new Set([...MASK_FIELDS.values()].filter((f) => a[f as keyof AssessmentInput] !== undefined));
  return new Set(
    paths.map((p) => {
      const f = MASK_FIELDS.get(p.trim());
      if (!f)
        throw invalidParam(
          `Invalid value ${JSON.stringify(p)} for parameter 'update_mask' supplied: assessments update ${[...new Set(MASK_FIELDS.values())].join(", ")}.`,
        );
      return f;
    }),
  );
}

/** UpdateAssessment (PATCH …/assessments/<id>): the fields named by `update_mask`. */
export async function updateAssessment(ctx: TrackingContext, input: In<"updateAssessment">, trace: TraceRow): Promise<Body> {
  const row = await assessmentOrThrow(ctx, trace.traceId, input.assessment_id);
  const a = input.assessment;
  const mask = maskOf(input.update_mask, a);
  const patch: Partial<NewAssessment> = { lastUpdateTime: nowOf(ctx) };
  if (mask.has("assessment_name")) {
    if (!a.assessment_name) throw missingParam("assessment.assessment_name");
    patch.name = a.assessment_name;
  }
  if (mask.has("expectation") || mask.has("feedback")) {
    const value = valueOf({ ...a, ...(mask.has("feedback") ? { expectation: undefined } : { feedback: undefined }) });
    if (value.kind !== row.kind)
      throw invalidParam(
        `Assessment ${row.assessmentId} is ${row.kind === "feedback" ? "a feedback" : "an expectation"}; it cannot become ${value.kind === "feedback" ? "a feedback" : "an expectation"}.`,
      );
    Object.assign(patch, value);
  }
  if (mask.has("rationale")) patch.rationale = a.rationale ?? null;
  if (mask.has("metadata")) patch.metadata = { ...row.metadata, ...a.metadata };
  return { assessment: assessmentView(await updateAssessmentRow(ctx.db, row.assessmentId, patch)) };
}

export async function deleteAssessment(ctx: TrackingContext, input: In<"assessment">, trace: TraceRow): Promise<Body> {
  const row = await assessmentOrThrow(ctx, trace.traceId, input.assessment_id);
  await deleteAssessmentRow(ctx.db, row.assessmentId);
  if (row.overrides) await setAssessmentValid(ctx.db, trace.traceId, row.overrides, true);
  return {};
}
