/**
 * The logged-models endpoints carry ids in the path (`logged-models/<model_id>/tags/<key>`), unlike the
 * rest of MLflow's REST surface, so they are matched here and the path values handed on as fields.
 */
import { TrackingError } from "../errors";
import { listLoggedModelArtifacts } from "../logged-models/artifacts";
import * as logged from "../logged-models/operations";
import type { Body, TrackingContext } from "../service";
import type { Fields } from "./wire";

type Operation = (ctx: TrackingContext, fields: Fields) => Promise<Body>;

export interface MatchedRoute {
  op: Operation;
  /** Values taken from the path (model_id, tag_key); they win over body fields of the same name. */
  pathFields: Record<string, string>;
}

function pick(name: string, method: string, byMethod: Readonly<Record<string, Operation>>, pathFields: Record<string, string>): MatchedRoute {
  const op = byMethod[method];
  if (op) return { op, pathFields };
  throw new TrackingError("ENDPOINT_NOT_FOUND", `${method} is not supported for /2.0/mlflow/${name}; use ${Object.keys(byMethod).join(" or ")}.`);
}

/** The operation for a `logged-models/...` path, undefined for other paths. */
export function matchLoggedModelRoute(path: readonly string[], method: string): MatchedRoute | undefined {
  if (path[0] !== "logged-models") return undefined;
  const name = path.join("/");
  const [, id, sub, key, ...extra] = path;
  if (id === undefined) return pick(name, method, { POST: logged.createLoggedModel }, {});
  if (id === "search" && sub === undefined) return pick(name, method, { POST: logged.searchLoggedModels }, {});
  if (sub === undefined) {
    return pick(name, method, { GET: logged.getLoggedModel, PATCH: logged.finalizeLoggedModel, DELETE: logged.deleteLoggedModel }, { model_id: id });
  }
  if (sub === "tags" && key === undefined) return pick(name, method, { PATCH: logged.setLoggedModelTags }, { model_id: id });
  if (sub === "tags" && key !== undefined && extra.length === 0) return pick(name, method, { DELETE: logged.deleteLoggedModelTag }, { model_id: id, tag_key: key });
  if (sub === "artifacts" && key === "directories" && extra.length === 0) return pick(name, method, { GET: listLoggedModelArtifacts }, { model_id: id });
  throw new TrackingError("ENDPOINT_NOT_FOUND", `No API endpoint /2.0/mlflow/${name}.`);
}
