/**
 * The MLflow REST surface: `<path>` under /api/2.0/mlflow/ and /ajax-api/2.0/mlflow/ → the row of the
 * operation table (operations.ts) for that path and method; its schema turns the request into typed input
 * (400 INVALID_PARAMETER_VALUE naming the field), its access rule loads the target and checks who may, and
 * a write runs in one transaction, so a refusal half-way leaves nothing. Errors leave as MLflow's
 * `{ error_code, message }`, unknown paths as 404 ENDPOINT_NOT_FOUND.
 */
import { z } from "zod";
import type { Db } from "@/db/client";
import { ensureDefaultExperiment } from "@/db/queries/tracking";
import { recordEvents } from "@/lib/events/outbox";
import { withUser } from "@/lib/http/with-user";
import { countTrackingWrite } from "@/lib/metrics/tracking";
import type { Body, TrackingContext } from "../context";
import { TrackingError, invalidParam, trackingErrorResponse } from "../errors";
import { FilterSyntaxError } from "../search";
import { isList, parseInput } from "./fields";
import { TRACKING_OPERATIONS, type ApiVersion, type Operation } from "./operations";
import { readFields, type Fields } from "./read-request";
import { assertMayCall, resolveTarget } from "./targets";
import { WORKSPACE_HEADER } from "../workspace";

interface Matched {
  op: Operation;
  /** Values of the path's `{field}` segments; they win over body fields of the same name. */
  pathFields: Record<string, string>;
}

function matchPath(pattern: string, path: readonly string[]): Record<string, string> | undefined {
  const parts = pattern.split("/");
  if (parts.length !== path.length) return undefined;
  const fields: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = path[i] ?? "";
    if (part.startsWith("{")) fields[part.slice(1, -1)] = segment;
    else if (part !== segment) return undefined;
  }
  return fields;
}

/**
 * The row for a path and method under an API version (`/api/2.0/mlflow/` or `/api/3.0/mlflow/`); a literal
 * path (logged-models/search) wins over a pattern ({model_id}).
 */
export function matchOperation(path: readonly string[], method: string, api: ApiVersion = "2.0"): Matched {
  const name = path.join("/");
  const candidates: Matched[] = [];
  for (const op of TRACKING_OPERATIONS) {
    if ((op.api ?? "2.0") !== api) continue;
    const pathFields = matchPath(op.path, path);
    if (pathFields) candidates.push({ op, pathFields });
  }
  const literal = candidates.filter((c) => !c.op.path.includes("{"));
  const onPath = literal.length > 0 ? literal : candidates;
  const found = onPath.find((c) => (c.op.methods as readonly string[]).includes(method));
  if (found) return found;
  if (onPath.length === 0) throw new TrackingError("ENDPOINT_NOT_FOUND", `No API endpoint /${api}/mlflow/${name}.`);
  const methods = [...new Set(onPath.flatMap((c) => c.op.methods))];
  throw new TrackingError("ENDPOINT_NOT_FOUND", `${method} is not supported for /${api}/mlflow/${name}; use ${methods.join(" or ")}.`);
}

/** The schema's field types, so the query reader knows which repeated keys make a list. */
function shapeOf(schema: z.ZodType): Record<string, z.ZodType> {
  const def = schema._zod.def as { shape?: Record<string, z.ZodType>; in?: z.ZodType };
  return def.shape ?? (def.in ? shapeOf(def.in) : {});
}

/**
 * Validates, resolves the target and runs the handler; a create or change in one transaction, which also
 * writes the events the row emits (lib/events/outbox.ts), so they exist exactly when the change does.
 */
export async function runOperation(ctx: TrackingContext, op: Operation, fields: Fields): Promise<Body> {
  assertMayCall(ctx, op.access);
  const input = parseInput(op.input, fields);
  const run = async (c: TrackingContext) => {
    const target = await resolveTarget(c, op.access, input as never);
    const result = await op.handle(c, input as never, target as never);
    if (op.emits) await recordEvents(c.db, c.principal, await op.emits(c, input as never, result, target as never));
    return result;
  };
  return op.access.mode === "read" ? run(ctx) : ctx.db.transaction((tx) => run({ ...ctx, db: tx }));
}

const defaultEnsured = new WeakSet<Db>();

/** Experiment "0" must exist before the first request a client makes; created once per database handle. */
async function ensureDefault(db: Db): Promise<void> {
  if (defaultEnsured.has(db)) return;
  await ensureDefaultExperiment(db);
  defaultEnsured.add(db);
}

/** Answers one MLflow request for an authenticated caller; `path` is the part after `/<api>/mlflow/`. */
export async function handleTrackingRequest(
  req: Request,
  ctx: TrackingContext,
  path: readonly string[],
  api: ApiVersion = "2.0",
): Promise<Response> {
  const method = req.method.toUpperCase();
  const workspace = req.headers.get(WORKSPACE_HEADER)?.trim();
  if (workspace) ctx = { ...ctx, workspace };
  try {
    const { op, pathFields } = matchOperation(path, method, api);
    const shape = shapeOf(op.input);
    const fields = await readFields(req, (name) => isList(shape[name]));
    await ensureDefault(ctx.db);
    return Response.json(await runOperation(ctx, op, { ...fields, ...pathFields }), op.headers ? { headers: op.headers } : undefined);
  } catch (err) {
    if (err instanceof FilterSyntaxError) return trackingErrorResponse(invalidParam(err.message));
    if (err instanceof TrackingError) return trackingErrorResponse(err);
    console.error(`[atrium] tracking ${method} ${path.join("/")} failed:`, err);
    return trackingErrorResponse(new TrackingError("INTERNAL_ERROR", "Something went wrong on the server; the error was logged."));
  }
}

/**
 * The route handler of /api/<api>/mlflow/[...path] (and /ajax-api/<api>/mlflow/, which re-exports it):
 * a token needs the "mlflow" scope, refusals before the operation are in MLflow's format, writes are counted.
 */
export const mlflowRouteHandler = (api: ApiVersion) =>
  withUser(
    "mlflow",
    async (req, { db, principal, params }) =>
      countTrackingWrite(req, await handleTrackingRequest(req, { db, principal }, params.path, api)),
    z.object({ path: z.array(z.string()) }),
    { errors: "mlflow" },
  );
