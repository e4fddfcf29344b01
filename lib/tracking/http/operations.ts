/**
 * Every MLflow operation this server answers, declared once: path (under /2.0/mlflow/; `{field}` segments are
 * input fields), methods, input schema (schemas.ts), who may call it (targets.ts: reads, creates, or changes
 * — owner or admin — which entity), and the handler, which gets the typed input and the loaded entity.
 * A row may also declare the events it `emits` (lib/events/outbox.ts): dispatch writes them in the operation's
 * transaction, after the handler, so a failed operation emits nothing.
 * Dispatch (dispatch.ts) reads nothing else, as MLflow's HANDLERS table and JupyterHub's @needs_scope do.
 */
import type { z } from "zod";
import type { EventDraft } from "@/lib/events/outbox";
import type { Body, TrackingContext } from "../context";
import * as experimentOps from "../experiments/operations";
import * as loggedModelOps from "../logged-models/operations";
import { listLoggedModelArtifacts } from "../logged-models/artifacts";
import { getMetricHistoryBulk } from "../metrics/history-bulk";
import { getMetricHistoryBulkInterval } from "../metrics/history-intervals";
import * as metricOps from "../metrics/operations";
import * as registryEvents from "../registry/events";
import * as registryOps from "../registry/operations";
import * as runData from "../runs/data";
import * as runOps from "../runs/operations";
import { listRunArtifacts } from "../runs/artifacts";
import { logModel } from "../runs/log-model";
import { logOutputs } from "../runs/outputs";
import * as datasetOps from "../evaluation/datasets";
import * as recordOps from "../evaluation/records";
import { evaluationSchemas as evaluation } from "../evaluation/schemas";
import * as scorerOps from "../evaluation/scorers";
import * as traceAssessments from "../traces/assessments";
import * as traceOps from "../traces/operations";
import { getWorkspace, listWorkspaces, serverInfo } from "../workspace";
import * as permissionOps from "../permissions";
import { experiments, loggedModels, metrics, permissions, registry, runs, workspaces } from "./schemas";
import { traceSchemas as traces } from "./trace-schemas";
import * as webhookOps from "@/lib/webhooks/operations";
import { webhookSchemas as webhooks } from "@/lib/webhooks/schemas";
import {
  administers,
  changes,
  changesEach,
  creates,
  deletes,
  managesPermissionsOf,
  reads,
  type Access,
  type TargetKeys,
  type TargetKind,
  type TargetOf,
} from "./targets";

export type Method = "GET" | "POST" | "PATCH" | "DELETE";
/** Which prefix a row answers under: MLflow 3's trace API lives under /api/3.0/mlflow/ (service.proto `since`). */
export type ApiVersion = "2.0" | "3.0";

export interface Operation {
  path: string;
  /** Absent: 2.0. */
  api?: ApiVersion;
  methods: readonly Method[];
  input: z.ZodType;
  access: Access<TargetKind>;
  handle: (ctx: TrackingContext, input: never, target: never) => Promise<Body>;
  /** The events a successful write reports, from its input, its answer and its target; absent: none. */
  emits?: Emits<never, never>;
  /** Headers of its answer besides JSON's content type (a file download's Content-Disposition). */
  headers?: Record<string, string>;
}

type Emits<I, T> = (ctx: TrackingContext, input: I, result: Body, target: T) => Promise<readonly EventDraft[]>;

/** One row; the types tie the schema's output to what the target needs and the handler (and `emits`) take. */
function op<K extends TargetKind, S extends z.ZodType<TargetKeys<K>>>(
  path: string,
  methods: readonly Method[],
  input: S,
  access: Access<K>,
  handle: (ctx: TrackingContext, input: z.output<S>, target: TargetOf<K>) => Promise<Body>,
  emits?: Emits<z.output<S>, TargetOf<K>>,
): Operation {
  return { path, methods, input, access, handle, ...(emits ? { emits } : {}) };
}

const GET = ["GET"] as const;
const POST = ["POST"] as const;
const GET_POST = ["GET", "POST"] as const;
const PATCH = ["PATCH"] as const;
const DELETE = ["DELETE"] as const;
/** MLflow's webhook rows; `read` for the test, which waits on the receiver and must not hold a transaction meanwhile. */
function webhookRows(): Operation[] {
  const refusal = "Only an admin may manage webhooks.";
  const [read, write] = [administers("read", refusal), administers("create", refusal)];
  return [
    op("webhooks", POST, webhooks.create, write, webhookOps.createWebhook),
    op("webhooks", GET, webhooks.list, read, webhookOps.listWebhooks),
    op("webhooks/{webhook_id}", GET, webhooks.id, read, webhookOps.getWebhook),
    op("webhooks/{webhook_id}", PATCH, webhooks.update, write, webhookOps.updateWebhook),
    op("webhooks/{webhook_id}", DELETE, webhooks.id, write, webhookOps.deleteWebhook),
    op("webhooks/{webhook_id}/test", POST, webhooks.test, read, webhookOps.testWebhook),
  ];
}

/** MLflow's auth app's per-resource permissions (lib/tracking/permissions.ts): MANAGE on the resource. */
function permissionRows(): Operation[] {
  const [experiment, model] = [managesPermissionsOf("experiment"), managesPermissionsOf("registered-model")];
  return [
    op("experiments/permissions/create", POST, permissions.experimentLevel, experiment, permissionOps.createExperimentPermission),
    op("experiments/permissions/get", GET, permissions.experiment, experiment, permissionOps.getExperimentPermission),
    op("experiments/permissions/update", PATCH, permissions.experimentLevel, experiment, permissionOps.updateExperimentPermission),
    op("experiments/permissions/delete", DELETE, permissions.experiment, experiment, permissionOps.deleteExperimentPermission),
    op("registered-models/permissions/create", POST, permissions.modelLevel, model, permissionOps.createRegisteredModelPermission),
    op("registered-models/permissions/get", GET, permissions.model, model, permissionOps.getRegisteredModelPermission),
    op("registered-models/permissions/update", PATCH, permissions.modelLevel, model, permissionOps.updateRegisteredModelPermission),
    op("registered-models/permissions/delete", DELETE, permissions.model, model, permissionOps.deleteRegisteredModelPermission),
  ];
}

/** GenAI evaluation (lib/tracking/evaluation/): datasets and registered scorers, under /api/3.0/mlflow/ only. */
function evaluationRows(): Operation[] {
  const dataset = "datasets/{dataset_id}";
  return [
    op("datasets/create", POST, evaluation.createDataset, creates(), datasetOps.createDataset),
    op("datasets/search", GET_POST, evaluation.searchDatasets, reads(), datasetOps.searchDatasets),
    op(dataset, GET, evaluation.dataset, reads("dataset"), datasetOps.getDataset),
    op(dataset, DELETE, evaluation.dataset, changes("dataset"), datasetOps.deleteDataset),
    op(`${dataset}/tags`, PATCH, evaluation.setTags, changes("dataset"), datasetOps.setDatasetTags),
    op(`${dataset}/tags/{key}`, DELETE, evaluation.deleteTag, changes("dataset"), datasetOps.deleteDatasetTag),
    op(`${dataset}/records`, POST, evaluation.upsertRecords, changes("dataset"), recordOps.upsertDatasetRecords),
    op(`${dataset}/records`, GET, evaluation.getRecords, reads("dataset"), recordOps.getDatasetRecords),
    op(`${dataset}/records`, DELETE, evaluation.deleteRecords, changes("dataset"), recordOps.deleteDatasetRecords),
    op(`${dataset}/experiment-ids`, GET, evaluation.dataset, reads("dataset"), datasetOps.getDatasetExperimentIds),
    op(`${dataset}/add-experiments`, POST, evaluation.experiments, changes("dataset"), datasetOps.addDatasetToExperiments),
    op(`${dataset}/remove-experiments`, POST, evaluation.experiments, changes("dataset"), datasetOps.removeDatasetFromExperiments),
    op("scorers/register", POST, evaluation.registerScorer, changes("experiment"), scorerOps.registerScorer),
    op("scorers/list", GET, evaluation.listScorers, reads("experiment"), scorerOps.listScorers),
    op("scorers/versions", GET, evaluation.scorerVersions, reads("experiment"), scorerOps.listScorerVersions),
    op("scorers/get", GET, evaluation.scorer, reads("experiment"), scorerOps.getScorer),
    op("scorers/delete", DELETE, evaluation.scorer, changes("experiment"), scorerOps.deleteScorer),
  ].map((row) => ({ ...row, api: "3.0" as const }));
}

/**
 * get-trace-artifact answers as MLflow's handler sends a file (mlflow/server/handlers.py
 * `_response_with_file_attachment_headers`): an attachment named traces.json, not to be sniffed.
 */
const TRACE_FILE_HEADERS = { "Content-Disposition": "attachment; filename=traces.json", "X-Content-Type-Options": "nosniff" };
const traceFile = (row: Operation): Operation => ({ ...row, headers: TRACE_FILE_HEADERS });

/** A row of MLflow 3's /api/3.0/mlflow/ surface. */
const v3 = (row: Operation): Operation => ({ ...row, api: "3.0" });
/** A row both surfaces answer the same way. */
const v2AndV3 = (row: Operation): Operation[] => [row, v3(row)];

export const TRACKING_OPERATIONS: readonly Operation[] = [
  // MLflow 3.10's client calls these under /api/3.0/mlflow/ (mlflow/store/workspace/rest_store.py); 2.0 stays for earlier callers.
  ...v2AndV3(op("workspaces", GET, workspaces.list, reads(), listWorkspaces)),
  ...v2AndV3(op("workspaces/{workspace_name}", GET, workspaces.name, reads(), getWorkspace)),
  v3(op("server-info", GET, workspaces.list, reads(), serverInfo)),
  op("experiments/create", POST, experiments.create, creates(), experimentOps.createExperiment),
  op("experiments/get", GET, experiments.get, reads("experiment"), experimentOps.getExperiment),
  op("experiments/get-by-name", GET, experiments.getByName, reads(), experimentOps.getExperimentByName),
  op("experiments/search", GET_POST, experiments.search, reads(), experimentOps.searchExperiments),
  op("experiments/update", POST, experiments.update, changes("experiment"), experimentOps.updateExperiment),
  op("experiments/delete", POST, experiments.get, deletes("experiment"), experimentOps.deleteExperiment),
  op("experiments/restore", POST, experiments.get, changes("experiment"), experimentOps.restoreExperiment),
  op("experiments/set-experiment-tag", POST, experiments.setTag, changes("experiment"), experimentOps.setExperimentTag),
  op("experiments/delete-experiment-tag", POST, experiments.deleteTag, changes("experiment"), experimentOps.deleteExperimentTag),
  op("runs/create", POST, runs.create, creates("experiment"), runOps.createRun),
  op("runs/get", GET, runs.id, reads("run"), runOps.getRun),
  op("runs/update", POST, runs.update, changes("active-run"), runOps.updateRun),
  op("runs/delete", POST, runs.id, deletes("run"), runOps.deleteRun),
  op("runs/restore", POST, runs.id, changes("run"), runOps.restoreRun),
  op("runs/search", GET_POST, runs.search, reads(), runOps.searchRuns),
  op("runs/log-metric", POST, metrics.logMetric, changes("active-run"), metricOps.logMetric),
  op("runs/log-parameter", POST, runs.logParameter, changes("active-run"), runData.logParameter),
  op("runs/log-batch", POST, runs.logBatch, changes("active-run"), runData.logBatch),
  op("runs/set-tag", POST, runs.setTag, changes("active-run"), runData.setTag),
  op("runs/delete-tag", POST, runs.deleteTag, changes("active-run"), runData.deleteTag),
  op("runs/log-inputs", POST, runs.logInputs, changes("active-run"), runData.logInputs),
  op("runs/outputs", POST, runs.logOutputs, changes("active-run"), logOutputs),
  op("runs/log-model", POST, runs.logModel, changes("active-run"), logModel),
  op("metrics/get-history", GET, metrics.getHistory, reads("run"), metricOps.getMetricHistory),
  op("metrics/get-history-bulk-interval", GET, metrics.bulkInterval, reads(), getMetricHistoryBulkInterval),
  op("metrics/get-history-bulk", GET, metrics.bulk, reads(), getMetricHistoryBulk),
  op("artifacts/list", GET, runs.listArtifacts, reads("run"), listRunArtifacts),
  op(
    "registered-models/create",
    POST,
    registry.createModel,
    creates(),
    registryOps.createRegisteredModel,
    registryEvents.registeredModelCreated,
  ),
  op("registered-models/get", GET, registry.model, reads("registered-model"), registryOps.getRegisteredModel),
  op("registered-models/search", GET, registry.search, reads(), registryOps.searchRegisteredModels),
  op("registered-models/update", PATCH, registry.updateModel, changes("registered-model"), registryOps.updateRegisteredModel),
  op("registered-models/rename", POST, registry.rename, changes("registered-model"), registryOps.renameModel),
  op("registered-models/delete", DELETE, registry.model, deletes("registered-model"), registryOps.deleteRegisteredModel),
  op(
    "registered-models/set-tag",
    POST,
    registry.setModelTag,
    changes("registered-model"),
    registryOps.setRegisteredModelTag,
    registryEvents.promptTagSet,
  ),
  op(
    "registered-models/delete-tag",
    DELETE,
    registry.deleteModelTag,
    changes("registered-model"),
    registryOps.deleteRegisteredModelTag,
    registryEvents.promptTagDeleted,
  ),
  op(
    "registered-models/alias",
    POST,
    registry.setAlias,
    changes("registered-model"),
    registryOps.setRegisteredModelAlias,
    registryEvents.aliasCreated,
  ),
  op(
    "registered-models/alias",
    DELETE,
    registry.alias,
    changes("registered-model"),
    registryOps.deleteRegisteredModelAlias,
    registryEvents.aliasDeleted,
  ),
  op("registered-models/alias", GET, registry.aliasRead, reads("registered-model"), registryOps.getModelVersionByAlias),
  op("registered-models/get-latest-versions", GET_POST, registry.latestVersions, reads("registered-model"), registryOps.getLatestVersions),
  op(
    "model-versions/create",
    POST,
    registry.createVersion,
    changes("registered-model"),
    registryOps.createModelVersion,
    registryEvents.modelVersionCreated,
  ),
  op("model-versions/get", GET, registry.version, reads("model-version"), registryOps.getModelVersion),
  op("model-versions/search", GET, registry.search, reads(), registryOps.searchModelVersions),
  op("model-versions/update", PATCH, registry.updateVersion, changes("model-version"), registryOps.updateModelVersion),
  op("model-versions/delete", DELETE, registry.version, deletes("model-version"), registryOps.deleteModelVersion),
  op("model-versions/transition-stage", POST, registry.transition, changes("model-version"), registryOps.transitionModelVersionStage),
  op("model-versions/get-download-uri", GET, registry.version, reads("model-version"), registryOps.getModelVersionDownloadUri),
  op(
    "model-versions/set-tag",
    POST,
    registry.setVersionTag,
    changes("model-version"),
    registryOps.setModelVersionTag,
    registryEvents.modelVersionTagSet,
  ),
  op(
    "model-versions/delete-tag",
    DELETE,
    registry.deleteVersionTag,
    changes("model-version"),
    registryOps.deleteModelVersionTagOp,
    registryEvents.modelVersionTagDeleted,
  ),
  // Registry webhooks (lib/webhooks/operations.ts): admins only, as in MLflow.
  ...webhookRows(),
  op("logged-models", POST, loggedModels.create, creates("experiment"), loggedModelOps.createLoggedModel),
  op("logged-models/search", POST, loggedModels.search, reads(), loggedModelOps.searchLoggedModels),
  op("logged-models/{model_id}", GET, loggedModels.model, reads("logged-model"), loggedModelOps.getLoggedModel),
  op("logged-models/{model_id}", PATCH, loggedModels.finalize, changes("logged-model"), loggedModelOps.finalizeLoggedModel),
  op("logged-models/{model_id}", DELETE, loggedModels.model, deletes("logged-model"), loggedModelOps.deleteLoggedModel),
  op("logged-models/{model_id}/tags", PATCH, loggedModels.setTags, changes("logged-model"), loggedModelOps.setLoggedModelTags),
  op(
    "logged-models/{model_id}/tags/{tag_key}",
    DELETE,
    loggedModels.deleteTag,
    changes("logged-model"),
    loggedModelOps.deleteLoggedModelTag,
  ),
  op("logged-models/{model_id}/artifacts/directories", GET, loggedModels.listArtifacts, reads("logged-model"), listLoggedModelArtifacts),
  op("logged-models/{model_id}/params", POST, loggedModels.logParams, changes("logged-model"), loggedModelOps.logLoggedModelParams),
  // Traces: delete-traces and link-to-run change several traces, each checked by the handler (changesEach).
  op("traces", POST, traces.startV2, creates(), traceOps.startTraceV2),
  op("traces", GET, traces.searchV2, reads(), traceOps.searchTracesV2),
  op("traces/{request_id}", PATCH, traces.endV2, changes("trace"), traceOps.endTraceV2),
  op("traces/{request_id}/info", GET, traces.requestId, reads("trace"), traceOps.getTraceInfoV2),
  op("traces/{request_id}/tags", PATCH, traces.setTagV2, changes("trace"), traceOps.setTraceTag),
  op("traces/{request_id}/tags", DELETE, traces.deleteTagV2, changes("trace"), traceOps.removeTraceTag),
  ...v2AndV3(op("traces/delete-traces", POST, traces.delete, changesEach(), traceOps.deleteTraces)),
  ...v2AndV3(op("traces/link-to-run", POST, traces.link, changesEach(), traceOps.linkTraces)),
  ...v2AndV3(traceFile(op("get-trace-artifact", GET, traces.traceData, reads("trace"), traceOps.getTraceData))),
  // rest_store.calculate_trace_filter_correlation: its own row, so the path is never read as a trace id.
  v3(op("traces/calculate-filter-correlation", POST, traces.filterCorrelation, reads(), traceOps.calculateFilterCorrelation)),
  v3(op("traces", POST, traces.startV3, creates(), traceOps.startTraceV3)),
  v3(op("traces/search", GET_POST, traces.searchV3, reads(), traceOps.searchTracesV3)),
  v3(op("traces/{trace_id}", GET, traces.traceId, reads("trace"), traceOps.getTraceInfoV3)),
  v3(op("traces/{trace_id}/tags", PATCH, traces.setTagV3, changes("trace"), traceOps.setTraceTag)),
  v3(op("traces/{trace_id}/tags", DELETE, traces.deleteTagV3, changes("trace"), traceOps.removeTraceTag)),
  v3(op("traces/{trace_id}/assessments", POST, traces.createAssessment, changes("trace"), traceAssessments.createAssessment)),
  v3(op("traces/{trace_id}/assessments/{assessment_id}", GET, traces.assessment, reads("trace"), traceAssessments.getAssessment)),
  v3(
    op(
      "traces/{trace_id}/assessments/{assessment_id}",
      PATCH,
      traces.updateAssessment,
      changes("trace"),
      traceAssessments.updateAssessment,
    ),
  ),
  v3(op("traces/{trace_id}/assessments/{assessment_id}", DELETE, traces.assessment, changes("trace"), traceAssessments.deleteAssessment)),
  ...evaluationRows(),
  ...permissionRows(),
];
