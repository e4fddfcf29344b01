/** MLflow's validation rules (docs/mlflow-rest.md §4). */
import { invalidParam } from "./errors";

export const MAX_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_RUN_TAG_VALUE_LENGTH = 8000;
export const MAX_EXPERIMENT_TAG_VALUE_LENGTH = 5000;
const MAX_EXPERIMENT_NAME_LENGTH = 500;
const MAX_BATCH_METRICS = 1000;
const MAX_BATCH_PARAMS = 100;
const MAX_BATCH_TAGS = 100;
const MAX_BATCH_TOTAL = 1000;

const KEY_CHARS = /^[/\w.\- :]*$/;
const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;

/** posixpath.normpath, enough to tell whether a key is already normal. */
function normpath(p: string): string {
  if (p === "") return ".";
  const leading = p.startsWith("/") ? (p.startsWith("//") && !p.startsWith("///") ? "//" : "/") : "";
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." && out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (part !== ".." || !leading) out.push(part);
  }
  const joined = leading + out.join("/");
  return joined || ".";
}

/** A metric, param or tag name. */
export function validateKey(key: string, what: "metric" | "param" | "tag"): void {
  if (!KEY_CHARS.test(key)) {
    throw invalidParam(
      `Invalid ${what} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`,
    );
  }
  if (normpath(key) !== key || key === "." || key.startsWith("..") || key.startsWith("/")) {
    throw invalidParam(
      `Invalid ${what} name: '${key}'. Names cannot resolve to a different path when normalized (no '//', '/./', '..' or a trailing '/').`,
    );
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw invalidParam(`'key' exceeds the maximum length of ${MAX_KEY_LENGTH} characters`);
  }
}

/** Over-long param and run-tag values are truncated, as MLflow does by default (MLFLOW_TRUNCATE_LONG_VALUES). */
export function truncateValue(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

export function checkMaxLength(value: string, max: number, field: string): void {
  if (value.length > max) throw invalidParam(`'${field}' exceeds the maximum length of ${max} characters`);
}

export function validateRunId(id: string): void {
  if (!RUN_ID.test(id)) throw invalidParam(`Invalid run ID: '${id}'`);
}

/** Experiment ids are integers here; anything else cannot exist. Returns the number, or null when malformed. */
export function parseExperimentId(id: string): number | null {
  // A negative number is an id no experiment has: MLflow's SQL store looks it up and answers 404
  // RESOURCE_DOES_NOT_EXIST, which `set_experiment(experiment_id="-1337")` expects (tests/tracking/test_rest_tracking.py).
  if (/^-\d{1,18}$/.test(id)) return null;
  if (!EXPERIMENT_ID.test(id)) throw invalidParam(`Invalid experiment ID: '${id}'`);
  return /^\d{1,15}$/.test(id) ? Number(id) : null;
}

export function validateExperimentName(name: string): void {
  if (name === "") throw invalidParam("Invalid experiment name: ''. Expected a non-empty string.");
  checkMaxLength(name, MAX_EXPERIMENT_NAME_LENGTH, "name");
}

export function validateBatchLimits(metrics: number, params: number, tags: number): void {
  const over = (n: number, max: number, what: string) =>
    invalidParam(
      `A batch logging request can contain at most ${max} ${what}. Got ${n} ${what}. Please split up ${what} across multiple requests and try again.`,
    );
  if (metrics > MAX_BATCH_METRICS) throw over(metrics, MAX_BATCH_METRICS, "metrics");
  if (params > MAX_BATCH_PARAMS) throw over(params, MAX_BATCH_PARAMS, "params");
  if (tags > MAX_BATCH_TAGS) throw over(tags, MAX_BATCH_TAGS, "tags");
  const total = metrics + params + tags;
  if (total > MAX_BATCH_TOTAL) {
    throw invalidParam(
      `A batch logging request can contain at most ${MAX_BATCH_TOTAL} total metrics, params and tags. Got ${total} total. Please split up across multiple requests and try again.`,
    );
  }
}

// --- model registry (docs/mlflow-rest.md §4 "Registry") ------------------------------------------

export const MAX_MODEL_NAME_LENGTH = 256;
export const MAX_REGISTRY_TAG_VALUE_LENGTH = 5000;
export const MAX_DESCRIPTION_LENGTH = 5000;
const MAX_ALIAS_LENGTH = 255;
const MAX_SOURCE_LENGTH = 500;
/** Stages a client may set, in MLflow's order. */
export const MODEL_STAGES = ["None", "Staging", "Production", "Archived"] as const;
/** Versions are stored as Postgres `integer`; a larger number cannot name one and would fail the query (22003). */
const MAX_VERSION = 2 ** 31 - 1;

export function parseVersion(raw: string): number {
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(Number(raw)))
    throw invalidParam(`Parameter 'version' must be an integer, got '${raw}'.`);
  const n = Number(raw);
  if (n > MAX_VERSION) throw invalidParam(`Parameter 'version' must be at most ${MAX_VERSION}, got '${raw.trim()}'.`);
  return n;
}

/** Alias names as read (MLflow's `_validate_model_alias_name`): `^[\w\-]*$`, at most 255 characters. */
export function validateAliasName(alias: string): void {
  checkMaxLength(alias, MAX_ALIAS_LENGTH, "alias");
  if (!/^[\w-]*$/.test(alias)) {
    throw invalidParam(`Invalid alias name: '${alias}'. Aliases may only contain alphanumerics, underscores (_) and dashes (-).`);
  }
}

/** The alias that names a model's highest version when read (MLflow 3.3+'s `_REGISTERED_MODEL_ALIAS_LATEST`). */
export const isLatestAlias = (alias: string) => alias.toLowerCase() === "latest";

/**
 * Alias names as set (MLflow's `_validate_model_alias_name` and `_validate_model_alias_name_reserved`): not
 * `latest` (it names the highest version) and not `v<digits>` (those name versions).
 */
export function validateAlias(alias: string): void {
  validateAliasName(alias);
  if (isLatestAlias(alias)) throw invalidParam("'latest' alias name (case insensitive) is reserved.");
  if (/^[vV]\d+$/.test(alias)) throw invalidParam(`Version alias name '${alias}' is reserved.`);
}

export function parseStage(raw: string): (typeof MODEL_STAGES)[number] {
  const stage = MODEL_STAGES.find((s) => s.toLowerCase() === raw.trim().toLowerCase());
  if (!stage) throw invalidParam(`Invalid Model Version stage: ${raw}. Value must be one of ${MODEL_STAGES.join(", ")}.`);
  return stage;
}

export function validateSource(source: string): void {
  checkMaxLength(source, MAX_SOURCE_LENGTH, "source");
  const path = source.replace(/^[a-zA-Z][\w+.-]*:/, "");
  if (path.split(/[/\\]/).includes(".."))
    throw invalidParam(`Invalid model version source: '${source}'. A source may not contain '..' path segments.`);
}
