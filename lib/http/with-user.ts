import type { z } from "zod";
import type { Db } from "@/db/client";
import { resolvePrincipal, type Principal } from "@/lib/auth/principal";
import { getDb } from "@/lib/runtime/db";
import { ApiError, errorResponse } from "./api-error";
import { findNulInPairs } from "./input-guard";
import { assertCleanInput, parseWith } from "./parse";

export interface HandlerContext<P> {
  principal: Principal;
  params: P;
  db: Db;
}

type RouteContext = { params: Promise<Record<string, string | string[]>> };
type Handler<P> = (req: Request, ctx: HandlerContext<P>) => Promise<Response>;
type Params<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/** Turns thrown ApiErrors into JSON errors and anything else into a logged 500 that reveals nothing. */
export async function respond(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError) return errorResponse(err);
    console.error("[atrium] unhandled error in a route:", err);
    return errorResponse(new ApiError(500, "internal_error", "Something went wrong on the server; the error was logged."));
  }
}

function guard<S extends z.ZodType | undefined>(requireAdmin: boolean, handler: Handler<Params<S>>, paramsSchema?: S) {
  return (req: Request, ctx: RouteContext): Promise<Response> =>
    respond(async () => {
      const db = await getDb();
      const principal = await resolvePrincipal(db, req.headers);
      if (!principal) throw new ApiError(401, "unauthorized", "Sign in or send a valid API token.");
      if (requireAdmin && !principal.admin) throw new ApiError(403, "forbidden", "Only admins may do this.");
      const raw = await ctx.params;
      // Every dynamic segment, schema or not: a NUL would reach Postgres as a 22021 (a 500).
      assertCleanInput(findNulInPairs(Object.entries(raw ?? {})), "invalid_path");
      const params = (paramsSchema ? parseWith(paramsSchema, raw, "invalid_path") : {}) as Params<S>;
      return handler(req, { principal, params, db });
    });
}

/** Every route handler goes through one of these: the caller is checked on the server before anything runs. */
/** `paramsSchema` validates the path's dynamic segments; a bad one is a 400 before the handler runs. */
export const withUser = <S extends z.ZodType | undefined = undefined>(handler: Handler<Params<S>>, paramsSchema?: S) =>
  guard(false, handler, paramsSchema);
export const withAdmin = <S extends z.ZodType | undefined = undefined>(handler: Handler<Params<S>>, paramsSchema?: S) =>
  guard(true, handler, paramsSchema);

/** Self or admin: for `/api/users/<name>/...` routes a person may use on their own account. */
export function assertSelfOrAdmin(principal: Principal, name: string): void {
  if (principal.name !== name && !principal.admin) {
    throw new ApiError(403, "forbidden", `Only ${name} or an admin may do this.`);
  }
}
