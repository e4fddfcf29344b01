import type { z } from "zod";
import type { Db } from "@/db/client";
import { assertCan, type Action, type Resource } from "@/lib/auth/access";
import { resolvePrincipal, type Principal } from "@/lib/auth/principal";
import { hasScope, insufficientScope, type ScopedCaller, type ScopeName } from "@/lib/auth/scopes";
import { getConfig } from "@/lib/config";
import { getDb } from "@/lib/runtime/db";
import { ApiError, errorResponse, mlflowErrorResponse, refused } from "./api-error";
import { findNulInPairs } from "./input-guard";
import { assertCleanInput, parseWith } from "./parse";
import { hasBody, isJsonContentType, isSameOriginRequest, isUnsafeMethod } from "./same-origin";

interface HandlerContext<P> {
  principal: Principal;
  params: P;
  db: Db;
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };
type Handler<P> = (req: Request, ctx: HandlerContext<P>) => Promise<Response>;
type Params<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

type ErrorFormat = "portal" | "mlflow";

/**
 * What a route acts on and how (JupyterHub's @needs_scope with its user and server, dub's withWorkspace
 * with requiredPermissions): checked by lib/auth/access.ts after the scope, before the handler runs.
 */
interface RouteResource<P> {
  action: Action;
  resource: (params: P, db: Db) => Resource | Promise<Resource>;
}

export interface GuardOptions<P = unknown> {
  access?: RouteResource<P>;
  /** How refusals made here (sign-in, scope, same-origin, path) are written: MLflow routes want MLflow's format. */
  errors?: ErrorFormat;
  /** What a body must be when a signed-in browser sends one: JSON (the default) or anything (artifact uploads). */
  body?: "json" | "any";
}

/**
 * Turns thrown ApiErrors into JSON errors and anything else into a logged 500 that reveals nothing;
 * in MLflow's `{ error_code, message }` on MLflow routes, so its clients show the sentence.
 */
export async function respond(fn: () => Promise<Response>, errors: ErrorFormat = "portal"): Promise<Response> {
  const reply = errors === "mlflow" ? mlflowErrorResponse : errorResponse;
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError) return reply(err);
    console.error("[atrium] unhandled error in a route:", err);
    return reply(new ApiError(500, "internal_error", "Something went wrong on the server; the error was logged."));
  }
}

/**
 * A state change signed in by the session cookie comes from the portal's own pages (same-origin.ts),
 * with a JSON body only as application/json: a form or a beacon can send text/plain without asking
 * the browser's permission first, application/json it cannot.
 */
function assertNotForged(req: Request, principal: Principal, options: Pick<GuardOptions, "body"> = {}): void {
  if (principal.via !== "session" || !isUnsafeMethod(req.method)) return;
  if (!isSameOriginRequest(req.headers, getConfig().publicUrl)) {
    throw new ApiError(
      403,
      "cross_origin",
      "Changes made with your sign-in must come from the portal's own pages; scripts can use an API token.",
    );
  }
  if ((options.body ?? "json") === "json" && hasBody(req.headers) && !isJsonContentType(req.headers.get("content-type"))) {
    throw new ApiError(415, "unsupported_media_type", "Send the body as application/json.");
  }
}

/** What a route declares: the scope a token needs, and whether only admins may call it. */
export interface RouteAccess {
  scope: ScopeName;
  admin: boolean;
}

/**
 * Admin routes: a non-admin is refused as a person (403 forbidden) before their token's scopes matter;
 * then a token without the route's scope gets the 403 the proxy also answers (insufficientScope).
 */
export function assertRouteAccess(caller: ScopedCaller, access: RouteAccess): void {
  if (access.admin && caller.role !== "admin") throw new ApiError(403, "forbidden", "Only admins may do this.");
  if (hasScope(caller, access.scope)) return;
  const e = insufficientScope(access.scope);
  throw new ApiError(e.status, e.error, e.message);
}

function guard<S extends z.ZodType | undefined>(
  access: RouteAccess,
  handler: Handler<Params<S>>,
  paramsSchema?: S,
  options?: GuardOptions<Params<S>>,
) {
  return (req: Request, ctx: RouteContext): Promise<Response> =>
    respond(async () => {
      const db = await getDb();
      const principal = await resolvePrincipal(db, req.headers);
      if (!principal) throw new ApiError(401, "unauthorized", "Sign in or send a valid API token.");
      assertNotForged(req, principal, options);
      assertRouteAccess(principal, access);
      const raw = await ctx.params;
      // Every dynamic segment, schema or not: a NUL would reach Postgres as a 22021 (a 500).
      assertCleanInput(findNulInPairs(Object.entries(raw ?? {})), "invalid_path");
      const params = (paramsSchema ? parseWith(paramsSchema, raw, "invalid_path") : {}) as Params<S>;
      if (options?.access) assertCan(principal, options.access.action, await options.access.resource(params, db), refused);
      return handler(req, { principal, params, db });
    }, options?.errors);
}

/**
 * Every route handler goes through one of these: the caller is checked on the server before anything runs.
 * `scope` is what an API token must carry for this route (lib/auth/scopes.ts; JupyterHub's @needs_scope);
 * withAdmin's routes need the admin role and, for a token, the "admin" scope.
 * `paramsSchema` validates the path's dynamic segments; a bad one is a 400 before the handler runs.
 * `options.access` names what the route acts on and the action; the caller must be allowed (lib/auth/access.ts).
 */
export const withUser = <S extends z.ZodType | undefined = undefined>(
  scope: ScopeName,
  handler: Handler<Params<S>>,
  paramsSchema?: S,
  options?: GuardOptions<Params<S>>,
) => guard({ scope, admin: false }, handler, paramsSchema, options);
export const withAdmin = <S extends z.ZodType | undefined = undefined>(
  handler: Handler<Params<S>>,
  paramsSchema?: S,
  options?: GuardOptions<Params<S>>,
) => guard({ scope: "admin", admin: true }, handler, paramsSchema, options);

/**
 * For the sign-in routes, which have no principal yet: their POSTs (sign in, sign out) come from the
 * portal's pages only. next-auth's own CSRF token is a double-submit cookie, and a page on another
 * port of the same host can write cookies for this one, so it does not stop a same-site forgery.
 */
export function withSameOrigin<R extends Request>(handler: (req: R) => Promise<Response>) {
  return (req: R): Promise<Response> =>
    respond(async () => {
      if (isUnsafeMethod(req.method) && !isSameOriginRequest(req.headers, getConfig().publicUrl)) {
        throw new ApiError(403, "cross_origin", "Signing in and out must happen on the portal's own pages.");
      }
      return handler(req);
    });
}
