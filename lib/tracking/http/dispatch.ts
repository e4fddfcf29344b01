/**
 * The MLflow REST surface: `<path>` under /api/2.0/mlflow/ and /ajax-api/2.0/mlflow/ → an operation in
 * service.ts (tracking), registry.ts (model registry) or history-intervals.ts (charts). Errors leave as
 * MLflow's `{ error_code, message }`, unknown paths as 404 ENDPOINT_NOT_FOUND.
 */
import type { Db } from "@/db/client";
import { ensureDefaultExperiment } from "@/db/queries/tracking";
import type { Principal } from "@/lib/auth/principal";
import { TrackingError, trackingErrorResponse } from "../errors";
import { getMetricHistoryBulkInterval } from "../metrics/history-intervals";
import { matchLoggedModelRoute } from "./logged-model-routes";
import * as registry from "../registry/operations";
import * as ops from "../service";
import { logOutputs } from "../runs/outputs";
import { readFields, type Fields } from "./wire";

type Operation = (ctx: ops.TrackingContext, fields: Fields) => Promise<ops.Body>;

interface Route {
  methods: readonly string[];
  op: Operation;
}

const GET = ["GET"] as const;
const POST = ["POST"] as const;
const GET_POST = ["GET", "POST"] as const;
const PATCH = ["PATCH"] as const;
const DELETE = ["DELETE"] as const;

export const TRACKING_ROUTES: Readonly<Record<string, Route>> = {
  "experiments/create": { methods: POST, op: ops.createExperiment },
  "experiments/get": { methods: GET, op: ops.getExperiment },
  "experiments/get-by-name": { methods: GET, op: ops.getExperimentByName },
  "experiments/search": { methods: GET_POST, op: ops.searchExperiments },
  "experiments/update": { methods: POST, op: ops.updateExperiment },
  "experiments/delete": { methods: POST, op: ops.deleteExperiment },
  "experiments/restore": { methods: POST, op: ops.restoreExperiment },
  "experiments/set-experiment-tag": { methods: POST, op: ops.setExperimentTag },
  "experiments/delete-experiment-tag": { methods: POST, op: ops.deleteExperimentTag },
  "runs/create": { methods: POST, op: ops.createRun },
  "runs/get": { methods: GET, op: ops.getRun },
  "runs/update": { methods: POST, op: ops.updateRun },
  "runs/delete": { methods: POST, op: ops.deleteRun },
  "runs/restore": { methods: POST, op: ops.restoreRun },
  "runs/search": { methods: GET_POST, op: ops.searchRuns },
  "runs/log-metric": { methods: POST, op: ops.logMetric },
  "runs/log-parameter": { methods: POST, op: ops.logParameter },
  "runs/log-batch": { methods: POST, op: ops.logBatch },
  "runs/set-tag": { methods: POST, op: ops.setTag },
  "runs/delete-tag": { methods: POST, op: ops.deleteTag },
  "runs/log-inputs": { methods: POST, op: ops.logInputs },
  "runs/outputs": { methods: POST, op: logOutputs },
  "metrics/get-history": { methods: GET, op: ops.getMetricHistory },
  "metrics/get-history-bulk-interval": { methods: GET, op: getMetricHistoryBulkInterval },
  "registered-models/create": { methods: POST, op: registry.createRegisteredModel },
  "registered-models/get": { methods: GET, op: registry.getRegisteredModel },
  "registered-models/search": { methods: GET, op: registry.searchRegisteredModels },
  "registered-models/update": { methods: PATCH, op: registry.updateRegisteredModel },
  "registered-models/rename": { methods: POST, op: registry.renameModel },
  "registered-models/delete": { methods: DELETE, op: registry.deleteRegisteredModel },
  "registered-models/set-tag": { methods: POST, op: registry.setRegisteredModelTag },
  "registered-models/delete-tag": { methods: DELETE, op: registry.deleteRegisteredModelTag },
  "registered-models/get-latest-versions": { methods: GET_POST, op: registry.getLatestVersions },
  "model-versions/create": { methods: POST, op: registry.createModelVersion },
  "model-versions/get": { methods: GET, op: registry.getModelVersion },
  "model-versions/search": { methods: GET, op: registry.searchModelVersions },
  "model-versions/update": { methods: PATCH, op: registry.updateModelVersion },
  "model-versions/delete": { methods: DELETE, op: registry.deleteModelVersion },
  "model-versions/transition-stage": { methods: POST, op: registry.transitionModelVersionStage },
  "model-versions/get-download-uri": { methods: GET, op: registry.getModelVersionDownloadUri },
  "model-versions/set-tag": { methods: POST, op: registry.setModelVersionTag },
  "model-versions/delete-tag": { methods: DELETE, op: registry.deleteModelVersionTagOp },
};

/** Paths whose operation depends on the method: registered-models/alias sets, deletes or reads an alias. */
const METHOD_ROUTES: Readonly<Record<string, Readonly<Record<string, Operation>>>> = {
  "registered-models/alias": {
    POST: registry.setRegisteredModelAlias,
    DELETE: registry.deleteRegisteredModelAlias,
    GET: registry.getModelVersionByAlias,
  },
};

/** The operation for a path and method, or 404 ENDPOINT_NOT_FOUND saying which methods the path takes. */
function operationFor(name: string, method: string): Operation {
  const byMethod = Object.hasOwn(METHOD_ROUTES, name) ? METHOD_ROUTES[name] : undefined;
  const route = Object.hasOwn(TRACKING_ROUTES, name) ? TRACKING_ROUTES[name] : undefined;
  const op = byMethod ? byMethod[method] : route?.methods.includes(method) ? route.op : undefined;
  if (op) return op;
  const methods = byMethod ? Object.keys(byMethod) : route?.methods;
  throw new TrackingError(
    "ENDPOINT_NOT_FOUND",
    methods ? `${method} is not supported for /2.0/mlflow/${name}; use ${methods.join(" or ")}.` : `No API endpoint /2.0/mlflow/${name}.`,
  );
}

const defaultEnsured = new WeakSet<Db>();

/** Experiment "0" must exist before the first request a client makes; created once per database handle. */
async function ensureDefault(db: Db): Promise<void> {
  if (defaultEnsured.has(db)) return;
  await ensureDefaultExperiment(db);
  defaultEnsured.add(db);
}

/** Answers one MLflow request for an authenticated caller; `path` is the part after `/2.0/mlflow/`. */
export async function handleTrackingRequest(req: Request, ctx: { db: Db; principal: Principal; now?: () => number }, path: readonly string[]): Promise<Response> {
  const name = path.join("/");
  const method = req.method.toUpperCase();
  try {
    const logged = matchLoggedModelRoute(path, method);
    const op = logged ? logged.op : operationFor(name, method);
    const fields = await readFields(req);
    await ensureDefault(ctx.db);
    return Response.json(await op(ctx, logged ? { ...fields, ...logged.pathFields } : fields));
  } catch (err) {
    if (err instanceof TrackingError) return trackingErrorResponse(err);
    console.error(`[atrium] tracking ${method} ${name} failed:`, err);
    return trackingErrorResponse(new TrackingError("INTERNAL_ERROR", "Something went wrong on the server; the error was logged."));
  }
}
