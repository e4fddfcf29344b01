/**
 * LogModel (`POST runs/log-model`, `{ run_id, model_json }`): every MLflow 2.x client's `log_model` sends the
 * model's MLmodel as JSON, and the server appends its summary to the run's `mlflow.log-model.history` tag
 * (mlflow/server/handlers.py `_log_model`, mlflow/store/tracking/sqlalchemy_store.py `record_logged_model`,
 * mlflow/models/model.py `Model.get_tags_dict`). The run must be active and the caller its writer (dispatch).
 */
import { randomUUID } from "node:crypto";
import { keysOfKind, recordExperimentKeys } from "@/db/queries/experiment-keys";
import { runTagRows, type RunRow } from "@/db/queries/tracking";
import { pythonJson } from "@/lib/util/python-json";
import type { Body, TrackingContext } from "../context";
import { invalidParam } from "../errors";
import type { Input, runs } from "../http/schemas";
import { MAX_RUN_TAG_VALUE_LENGTH } from "../validation";

/** mlflow/utils/mlflow_tags.py MLFLOW_LOGGED_MODELS. */
const LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history";
const MANDATORY = ["artifact_path", "flavors", "run_id", "utc_time_created"];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => v !== null && typeof v === "object" && !Array.isArray(v);

/** `Model.from_dict(model).get_tags_dict()`: run_id, artifact_path, utc_time_created, model_uuid and the flavors without their `config`. */
function modelSummary(model: Json): Json {
  const flavors = isObject(model.flavors) ? model.flavors : {};
  return {
    run_id: model.run_id,
    artifact_path: model.artifact_path,
    utc_time_created: String(model.utc_time_created),
    // Model() gives a model without one a fresh uuid4 hex.
    model_uuid: model.model_uuid ?? randomUUID().replace(/-/g, ""),
    flavors: Object.fromEntries(
      Object.entries(flavors).map(([name, config]) => [
        name,
        isObject(config) ? Object.fromEntries(Object.entries(config).filter(([k]) => k !== "config")) : config,
      ]),
    ),
  };
}

function parseModel(modelJson: string): Json {
  let model: unknown;
  try {
    model = JSON.parse(modelJson);
  } catch {
    throw invalidParam(`Malformed model info. \n ${modelJson} \n is not a valid JSON.`);
  }
  const present = isObject(model) ? Object.keys(model) : [];
  const missing = MANDATORY.filter((f) => !present.includes(f));
  // Python prints the missing fields as a set: {'flavors', 'run_id'}.
  if (missing.length > 0) throw invalidParam(`Model json is missing mandatory fields: {${missing.map((f) => `'${f}'`).join(", ")}}`);
  return model as Json;
}

export async function logModel(ctx: TrackingContext, { model_json }: Input<typeof runs.logModel>, run: RunRow): Promise<Body> {
  const summary = modelSummary(parseModel(model_json));
  const previous = (await runTagRows.get(ctx.db, { runUuid: run.runUuid })).find((t) => t.key === LOG_MODEL_HISTORY_TAG);
  let history: unknown[] = [];
  if (previous) {
    try {
      const parsed: unknown = JSON.parse(previous.value);
      if (Array.isArray(parsed)) history = parsed;
    } catch {
      // A history someone overwrote with something else starts again, as a fresh list.
    }
  }
  const value = pythonJson([...history, summary]);
  if (value.length > MAX_RUN_TAG_VALUE_LENGTH)
    throw invalidParam(
      `The run's ${LOG_MODEL_HISTORY_TAG} tag would be ${value.length} characters long, more than the ${MAX_RUN_TAG_VALUE_LENGTH} a tag may hold; the model's files are logged, its summary is not.`,
    );
  await runTagRows.set(ctx.db, { runUuid: run.runUuid }, [{ key: LOG_MODEL_HISTORY_TAG, value }]);
  await recordExperimentKeys(ctx.db, run.experimentId, keysOfKind("tag", [{ key: LOG_MODEL_HISTORY_TAG }]));
  return {};
}
