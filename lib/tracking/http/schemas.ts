/**
 * The input of every MLflow operation (docs/mlflow-rest.md §1, rules from §4), one zod schema each; the
 * operation table (operations.ts) pairs them with their handlers. Unknown fields are ignored, as MLflow does.
 */
import { z } from "zod";
import { RUN_STATUSES, VIEW_TYPES } from "../runs/constants";
import {
  MAX_DESCRIPTION_LENGTH,
  MAX_EXPERIMENT_TAG_VALUE_LENGTH,
  MAX_KEY_LENGTH,
  MAX_MODEL_NAME_LENGTH,
  MAX_PARAM_VALUE_LENGTH,
  MAX_REGISTRY_TAG_VALUE_LENGTH,
  MAX_RUN_TAG_VALUE_LENGTH,
  checkMaxLength,
  parseStage,
  parseVersion,
  truncateValue,
  validateAlias,
  validateAliasName,
  validateExperimentName,
  validateKey,
  validateRunId,
  validateSource,
} from "../validation";
import { invalidParam } from "../errors";
import {
  bool,
  convert,
  readDouble,
  int64,
  list,
  missingAt,
  oneOf,
  requiredInt64,
  requiredText,
  requiredVersion,
  rule,
  text,
  withFastPath,
} from "./fields";

export type Input<S extends z.ZodType> = z.output<S>;

const maxLength = (max: number, field: string) => (v: string | undefined) => v !== undefined && checkMaxLength(v, max, field);
const key = (kind: "metric" | "param" | "tag") => rule(requiredText(), (k) => validateKey(k, kind));
/** A value MLflow truncates when over-long (MLFLOW_TRUNCATE_LONG_VALUES, on by default). */
const truncated = (max: number) => convert(text(), (v) => truncateValue(v ?? "", max));
const limited = (max: number) => convert(text(), (v) => (checkMaxLength(v ?? "", max, "value"), v ?? ""));

const runTag = z.object({ key: key("tag"), value: truncated(MAX_RUN_TAG_VALUE_LENGTH) });
const param = z.object({ key: key("param"), value: truncated(MAX_PARAM_VALUE_LENGTH) });
const experimentTag = z.object({
  key: rule(requiredText(), maxLength(MAX_KEY_LENGTH, "key")),
  value: limited(MAX_EXPERIMENT_TAG_VALUE_LENGTH),
});
const registryTag = z.object({ key: key("tag"), value: limited(MAX_REGISTRY_TAG_VALUE_LENGTH) });
const stringList = () => list(z.string());

/** `run_id`, or the deprecated `run_uuid` the client sends beside it; the run target (targets.ts) reads either. */
const runRef = { run_id: text(), run_uuid: text() };
const withRunId = <T extends z.ZodRawShape>(shape: T) => z.object({ ...shape, ...runRef });

const experimentId = z.object({ experiment_id: requiredText() });
const search = { max_results: int64(), page_token: text(), filter: text(), order_by: stringList() };

/** MLflow 3.10's workspaces: projects (lib/tracking/workspace.ts). */
export const workspaces = { list: z.object({}), name: z.object({ workspace_name: requiredText() }) };

export const experiments = {
  create: z.object({ name: rule(requiredText(), validateExperimentName), artifact_location: text(), tags: list(experimentTag) }),
  get: experimentId,
  getByName: z.object({ experiment_name: requiredText() }),
  search: z.object({ ...search, view_type: oneOf(VIEW_TYPES) }),
  update: z.object({ experiment_id: requiredText(), new_name: rule(requiredText(), validateExperimentName) }),
  setTag: z.object({ experiment_id: requiredText(), key: experimentTag.shape.key, value: experimentTag.shape.value }),
  deleteTag: z.object({ experiment_id: requiredText(), key: requiredText() }),
};

/** model_id, dataset_name and dataset_digest: MLflow 3 also attaches the point to a logged model (service.proto Metric). */
const metricFields = {
  key: key("metric"),
  value: z.unknown(),
  timestamp: requiredInt64(),
  step: int64(),
  model_id: text(),
  dataset_name: text(),
  dataset_digest: text(),
};
type MetricFields = z.output<z.ZodObject<typeof metricFields>>;

/** A metric point, with MLflow's sentences for a boolean value and a negative timestamp. */
function toPoint(m: MetricFields, ctx: z.core.$RefinementCtx) {
  const value = readDouble(m.value);
  if (m.value === undefined) ctx.addIssue(missingAt("value"));
  else if (typeof m.value === "boolean") {
    ctx.addIssue({
      code: "custom",
      message: `Got invalid value ${m.value} for metric '${m.key}' (timestamp=${m.timestamp}). Please specify value as a valid double (64-bit floating point)`,
    });
  } else if (value === undefined) ctx.addIssue({ code: "custom", params: { expected: "a number" }, input: m.value, path: ["value"] });
  else if (m.timestamp < 0) {
    ctx.addIssue({
      code: "custom",
      message: `Got invalid timestamp ${m.timestamp} for metric '${m.key}' (value=${value}). Timestamp must be a nonnegative long (64-bit integer)`,
    });
  } else {
    const point = { key: m.key, value, timestamp: m.timestamp, step: m.step ?? 0 };
    const model = m.model_id ? { modelId: m.model_id, datasetName: m.dataset_name || null, datasetDigest: m.dataset_digest || null } : null;
    return { ...point, model };
  }
  return z.NEVER;
}
const metric = z.object(metricFields).transform(toPoint);
type Point = z.output<typeof metric>;

/**
 * A metric point as `metric` reads it, for the common case only: a valid key, a JSON number value, an integer
 * timestamp ≥ 0 and step, no logged model. Anything else is undefined, and `metric` reads it (with its refusal).
 * `validKeys` remembers the keys already checked in this batch (a batch repeats a few keys many times).
 */
function plainPoint(m: unknown, validKeys: Set<string>): Point | undefined {
  if (typeof m !== "object" || m === null) return undefined;
  const { key, value, timestamp, step, model_id, dataset_name, dataset_digest } = m as Record<string, unknown>;
  if (typeof key !== "string" || key === "" || typeof value !== "number") return undefined;
  if (typeof timestamp !== "number" || !Number.isSafeInteger(timestamp) || timestamp < 0) return undefined;
  if (step !== undefined && (typeof step !== "number" || !Number.isSafeInteger(step))) return undefined;
  if (model_id !== undefined || dataset_name !== undefined || dataset_digest !== undefined) return undefined;
  if (!validKeys.has(key)) {
    try {
      validateKey(key, "metric");
    } catch {
      return undefined;
    }
    validKeys.add(key);
  }
  return { key, value, timestamp, step: step ?? 0, model: null };
}

/** A log-batch's metrics through plainPoint, or undefined when any point is not plain. */
function plainPoints(list: unknown): Point[] | undefined {
  if (list === undefined) return [];
  if (!Array.isArray(list)) return undefined;
  const validKeys = new Set<string>();
  const out: Point[] = new Array<Point>(list.length);
  for (let i = 0; i < list.length; i++) {
    const p = plainPoint(list[i], validKeys);
    if (!p) return undefined;
    out[i] = p;
  }
  return out;
}

const datasetInput = z.object({
  dataset: z.object({
    name: rule(requiredText(), maxLength(500, "dataset.name")),
    digest: rule(requiredText(), maxLength(36, "dataset.digest")),
    source_type: rule(requiredText(), maxLength(36, "dataset.source_type")),
    source: rule(requiredText(), maxLength(65535, "dataset.source")),
    schema: rule(text(), maxLength(1048575, "dataset.schema")),
    profile: rule(text(), maxLength(16777215, "dataset.profile")),
  }),
  tags: list(
    z.object({ key: rule(requiredText(), maxLength(255, "tags.key")), value: rule(requiredText(), maxLength(500, "tags.value")) }),
  ),
});

function outputStep(step = 0): number {
  if (step < 0) throw invalidParam(`Invalid step ${step} for a model output: steps are non-negative integers.`);
  return step;
}

/** log-batch but its metrics, for the fast path: params and tags are few (100 at most). */
const logBatchRest = withRunId({ params: list(param), tags: list(runTag) });

export const runs = {
  /** Without an experiment, the client's default experiment "0". */
  create: z.object({ experiment_id: convert(text(), (id) => id || "0"), run_name: text(), start_time: int64(), tags: list(runTag) }),
  id: withRunId({}),
  update: withRunId({ status: oneOf(RUN_STATUSES), end_time: int64(), run_name: text() }),
  search: z.object({ ...search, experiment_ids: stringList(), run_view_type: oneOf(VIEW_TYPES) }),
  logParameter: withRunId(param.shape),
  logBatch: withFastPath(withRunId({ metrics: list(metric), params: list(param), tags: list(runTag) }), (fields) => {
    const metrics = plainPoints(fields.metrics);
    if (!metrics) return undefined;
    const rest = logBatchRest.safeParse(fields);
    return rest.success ? { ...rest.data, metrics } : undefined;
  }),
  setTag: withRunId(runTag.shape),
  deleteTag: withRunId({ key: requiredText() }),
  logInputs: withRunId({ datasets: list(datasetInput), models: list(z.object({ model_id: requiredText() })) }),
  listArtifacts: withRunId({ path: text(), page_token: text() }),
  logModel: withRunId({ model_json: requiredText() }),
  logOutputs: withRunId({ models: list(z.object({ model_id: requiredText(), step: convert(int64(), outputStep) })) }),
};

export const metrics = {
  logMetric: withRunId(metricFields).transform((v, ctx) => ({ run_id: v.run_id, run_uuid: v.run_uuid, point: toPoint(v, ctx) })),
  getHistory: withRunId({ metric_key: requiredText(), max_results: int64(), page_token: text() }),
  /** get-history-bulk names its runs `run_id`, repeated (mlflow/server/handlers.py get_metric_history_bulk_handler). */
  bulk: z.object({ run_id: list(z.string()), metric_key: text(), max_results: int64() }),
  bulkInterval: z.object({
    run_ids: list(rule(z.string(), validateRunId)),
    metric_key: requiredText(),
    max_results: int64(),
    start_step: int64(),
    end_step: int64(),
  }),
};

const modelName = (field = "name") => rule(requiredText(), maxLength(MAX_MODEL_NAME_LENGTH, field));
const version = convert(requiredVersion(), parseVersion);
const description = rule(text(), maxLength(MAX_DESCRIPTION_LENGTH, "description"));
const alias = rule(requiredText(), validateAlias);
const modelKey = rule(requiredText(), maxLength(MAX_KEY_LENGTH, "key"));

export const registry = {
  createModel: z.object({ name: modelName(), tags: list(registryTag), description }),
  model: z.object({ name: modelName() }),
  search: z.object(search),
  updateModel: z.object({ name: modelName(), description }),
  rename: z.object({ name: modelName(), new_name: modelName("new_name") }),
  setModelTag: z.object({ name: modelName(), ...registryTag.shape }),
  deleteModelTag: z.object({ name: modelName(), key: modelKey }),
  setAlias: z.object({ name: modelName(), alias, version }),
  alias: z.object({ name: modelName(), alias }),
  /** get-model-version-by-alias: `latest` (any case) is read, not refused (MLflow 3.3+). */
  aliasRead: z.object({ name: modelName(), alias: rule(requiredText(), validateAliasName) }),
  latestVersions: z.object({ name: modelName(), stages: list(convert(z.string(), parseStage)) }),
  createVersion: z.object({
    name: modelName(),
    source: rule(requiredText(), validateSource),
    run_id: rule(text(), (id) => id && validateRunId(id)),
    tags: list(registryTag),
    description,
    run_link: text(),
    model_id: text(),
  }),
  version: z.object({ name: modelName(), version }),
  updateVersion: z.object({ name: modelName(), version, description }),
  transition: z.object({ name: modelName(), version, stage: convert(requiredText(), parseStage), archive_existing_versions: bool() }),
  setVersionTag: z.object({ name: modelName(), version, ...registryTag.shape }),
  deleteVersionTag: z.object({ name: modelName(), version, key: modelKey }),
};

/** Proto order of LoggedModelStatus, numbered from 0 (LOGGED_MODEL_STATUS_UNSPECIFIED). */
export const LOGGED_MODEL_STATUSES = [
  "LOGGED_MODEL_STATUS_UNSPECIFIED",
  "LOGGED_MODEL_PENDING",
  "LOGGED_MODEL_READY",
  "LOGGED_MODEL_UPLOAD_FAILED",
] as const;
const loggedTag = z.object({ key: key("tag"), value: limited(MAX_RUN_TAG_VALUE_LENGTH) });
const loggedParam = z.object({ key: key("param"), value: limited(MAX_PARAM_VALUE_LENGTH) });
const modelId = z.object({ model_id: requiredText() });

export const loggedModels = {
  create: z.object({
    experiment_id: requiredText(),
    source_run_id: rule(text(), (id) => id && validateRunId(id)),
    name: text(),
    model_type: text(),
    tags: list(loggedTag),
    params: list(loggedParam),
  }),
  search: z.object({
    ...search,
    experiment_ids: stringList(),
    order_by: list(z.object({ field_name: requiredText(), ascending: bool(), dataset_name: text(), dataset_digest: text() })),
    datasets: list(z.object({ dataset_name: requiredText(), dataset_digest: text() })),
  }),
  model: modelId,
  finalize: z.object({ model_id: requiredText(), status: oneOf(LOGGED_MODEL_STATUSES, 0) }),
  setTags: z.object({ model_id: requiredText(), tags: list(loggedTag) }),
  logParams: z.object({ model_id: requiredText(), params: list(loggedParam) }),
  deleteTag: z.object({ model_id: requiredText(), tag_key: requiredText() }),
  listArtifacts: z.object({ model_id: requiredText(), artifact_directory_path: text() }),
};

/** MLflow's permission names, in the order its auth app lists them (mlflow/server/auth/permissions.py ALL_PERMISSIONS). */
export const GRANT_PERMISSIONS = ["READ", "USE", "EDIT", "MANAGE", "NO_PERMISSIONS"] as const;
const grantPermission = rule(requiredText(), (p) => {
  if (!(GRANT_PERMISSIONS as readonly string[]).includes(p))
    throw invalidParam(`Invalid permission '${p}'. Valid permissions are: (${GRANT_PERMISSIONS.map((n) => `'${n}'`).join(", ")})`);
});
/** A person by `username` (MLflow's), or an SSO group by `group_name` (an Atrium extension, docs/projects.md "Grants"). */
const grantee = { username: text(), group_name: text() };
const oneGrantee = <S extends z.ZodType<{ username?: string | undefined; group_name?: string | undefined }>>(schema: S) =>
  rule(schema, (v) => {
    if ((v.username === undefined) === (v.group_name === undefined))
      throw invalidParam("Give exactly one of 'username' (a person) and 'group_name' (an SSO group).");
  });

/** MLflow's per-resource permission endpoints (lib/tracking/permissions.ts). */
export const permissions = {
  experiment: oneGrantee(z.object({ experiment_id: requiredText(), ...grantee })),
  experimentLevel: oneGrantee(z.object({ experiment_id: requiredText(), ...grantee, permission: grantPermission })),
  model: oneGrantee(z.object({ name: modelName(), ...grantee })),
  modelLevel: oneGrantee(z.object({ name: modelName(), ...grantee, permission: grantPermission })),
};
