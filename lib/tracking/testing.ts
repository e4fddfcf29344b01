/** A tiny in-process MLflow client for tests: real requests through handleTrackingRequest, real database. */
import { expect } from "vitest";
import type { Db } from "@/db/client";
import type { Principal } from "@/lib/auth/principal";
import type { TrackingContext } from "./context";
import { handleTrackingRequest, matchOperation, runOperation } from "./http/dispatch";

export type Json = Record<string, unknown>;
export interface Reply {
  status: number;
  body: Json;
}

/** The id `principal(name)` carries: a stand-in for users.id, which owns what the principal makes. */
export const testUserId = (name: string) => `id-of-${name}`;

export const principal = (name: string, admin = false, extra: Partial<Principal> = {}): Principal => ({
  name,
  userId: testUserId(name),
  role: admin ? "admin" : "user",
  admin,
  via: "token",
  ...extra,
});

export function trackingClient(db: () => Db, prefix = "/api/2.0/mlflow/") {
  async function call(method: string, path: string, payload: Json, who: Principal, headers: Record<string, string> = {}): Promise<Reply> {
    const url = new URL(`http://atrium.test${prefix}${path}`);
    let init: RequestInit = { method, headers };
    if (method === "GET") {
      for (const [k, v] of Object.entries(payload)) {
        for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
      }
    } else {
      init = { method, headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(payload) };
    }
    const api = prefix.includes("/3.0/") ? "3.0" : "2.0";
    const res = await handleTrackingRequest(new Request(url, init), { db: db(), principal: who }, path.split("/"), api);
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
  }
  async function ok(p: Promise<Reply>): Promise<Json> {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  }
  /** Asserts the status, MLflow error code and (a part of) the message; returns the message. */
  async function fails(p: Promise<Reply>, status: number, code: string, message?: string | RegExp): Promise<string> {
    const r = await p;
    expect(r.status, JSON.stringify(r.body)).toBe(status);
    expect(r.body.error_code).toBe(code);
    const msg = String(r.body.message);
    if (typeof message === "string") expect(msg).toContain(message);
    else if (message) expect(msg).toMatch(message);
    return msg;
  }
  return { call, ok, fails };
}

/** One operation of the table as a function of its raw fields, for tests that set the clock (`ctx.now`). */
export function operation(path: string, method = "POST") {
  const { op } = matchOperation(path.split("/"), method);
  return (ctx: TrackingContext, fields: Json) => runOperation(ctx, op, fields);
}
