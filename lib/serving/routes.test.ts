import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";

// The route handlers open the process's database (lib/runtime/db.ts) from DATABASE_URL, and getConfig() reads the
// environment once: point both at this suite's Postgres before anything is imported (vi.hoisted runs first).
const { restoreEnv } = vi.hoisted(() => {
  const values = {
    DATABASE_URL: process.env.TEST_DATABASE_URL ?? "postgres://atrium:atrium@127.0.0.1:5432/atrium_test",
    AUTH_SECRET: "auth-secret-for-serving-route-tests-0123456789",
    // The bundle route's artifact store (<dataDir>/artifacts).
    ATRIUM_DATA_DIR: `${process.env.TMPDIR ?? "/tmp"}/atrium-serving-routes-${process.pid}`,
  };
  const keys = [...Object.keys(values), "ATRIUM_BOOTSTRAP_TOKEN", "ATRIUM_PUBLIC_URL", "OIDC_ISSUER", "PORT"];
  const saved = Object.fromEntries(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) delete process.env[k];
  Object.assign(process.env, values);
  const restoreEnv = () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  return { restoreEnv };
});

import * as collection from "@/app/api/2.0/serving-endpoints/route";
import * as one from "@/app/api/2.0/serving-endpoints/[name]/route";
import * as config from "@/app/api/2.0/serving-endpoints/[name]/config/route";
import * as permissions from "@/app/api/2.0/serving-endpoints/[name]/permissions/route";
import * as tags from "@/app/api/2.0/serving-endpoints/[name]/tags/route";
import * as unsupported from "@/app/api/2.0/serving-endpoints/[name]/[...rest]/route";
import * as mlflow from "@/app/api/2.0/mlflow/[...path]/route";
import * as bundle from "@/app/api/serving/bundles/[replica]/route";
import { rm } from "node:fs/promises";
import { Readable } from "node:stream";
import { eq } from "drizzle-orm";
import { insertReplica, updateReplica } from "@/db/queries/serving-replicas";
import { findProject } from "@/db/queries/projects";
import { membershipsOf } from "@/db/queries/resource-permissions";
import { auditEvents, projects, servingEndpointConfigs, servingEndpoints } from "@/db/schema";
import { addMember, createProject } from "@/lib/projects/manage";
import { getArtifactStore } from "@/lib/artifacts/runtime";
import { putFile } from "@/lib/artifacts/store";
import { issueBundleToken, revokeBundleToken } from "./bundle-token";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import type { ScopeName } from "@/lib/auth/scopes";
import { closeDb } from "@/lib/runtime/db";
import { finishRollout, seedServing, tokenOf, type Person } from "./testing";

afterAll(async () => {
  await closeDb();
  await rm(process.env.ATRIUM_DATA_DIR ?? "", { recursive: true, force: true });
  restoreEnv();
});

type Route = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
const BASE = "http://localhost:3000/api/2.0/serving-endpoints";

/**
 * A request as MLflow's DatabricksDeploymentClient._call_endpoint sends it (mlflow/deployments/databricks/__init__.py):
 * `Authorization: Bearer $DATABRICKS_TOKEN`, its X-Databricks-Endpoints-API-Client header, and for anything but GET
 * the body as requests' `json=`; a GET passes its (absent) body as query parameters, a DELETE sends none.
 */
async function call(
  route: Route,
  method: string,
  token: string | null,
  opts: { name?: string; path?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { "x-databricks-endpoints-api-client": "Databricks Deployment Client", ...opts.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const url = `${BASE}${opts.name ? `/${opts.name}` : ""}${opts.path ?? ""}`;
  const req = new Request(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const params: Record<string, string> = opts.name ? { name: opts.name } : {};
  const res = await route(req, { params: Promise.resolve(params) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The served entities of MLflow's documented examples, with a registered model instead of an external one. */
const SERVED = [{ name: "churn-2", entity_name: "churn", entity_version: "2", workload_size: "Small", scale_to_zero_enabled: false }];

describe("postgres", () => {
  useTestDatabase("postgres");
  let p: Record<Person, Principal>;
  const tokens = {} as Record<"alice" | "aliceInvoke" | "aliceMlflow" | "bob", string>;
  beforeEach(async () => {
    const { getDb } = await import("@/lib/runtime/db");
    const db = await getDb();
    p = await seedServing(db);
    const make = async (who: Person, id: string, scopes: ScopeName[]) => (await tokenOf(db, p[who], id, scopes)).token;
    tokens.alice = await make("alice", "tok_alice", ["account"]);
    tokens.aliceInvoke = await make("alice", "tok_alice_invoke", ["serving:invoke"]);
    tokens.aliceMlflow = await make("alice", "tok_alice_mlflow", ["mlflow"]);
    tokens.bob = await make("bob", "tok_bob", ["serving"]);
  });

  it("creates in the project X-MLFLOW-WORKSPACE names, refusing in MLflow's shape one the caller cannot see or may not create in", async () => {
    const { getDb } = await import("@/lib/runtime/db");
    const db = await getDb();
    await db.delete(projects);
    await createProject(db, p.alice, { name: "risk", description: "" });
    const body = (name: string) => ({ name, config: { served_entities: SERVED } });
    const inRisk = { "x-mlflow-workspace": "risk" };
    expect(await call(collection.POST, "POST", tokens.bob, { body: body("b1"), headers: inRisk })).toEqual({
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST", message: 'There is no project "risk".' },
    });
    const alice = { ...p.alice, projectRoles: (await membershipsOf(db, p.alice.userId ?? "", [])).projectRoles };
    await addMember(db, alice, "risk", { name: "bob", role: "user" });
    expect(await call(collection.POST, "POST", tokens.bob, { body: body("b1"), headers: inRisk })).toEqual({
      status: 403,
      body: {
        error_code: "PERMISSION_DENIED",
        message: `Only its project's editors and owners or an admin may create a serving endpoint in project "risk".`,
      },
    });
    expect((await call(collection.POST, "POST", tokens.alice, { body: body("a1"), headers: inRisk })).status).toBe(200);
    const [row] = await db.select().from(servingEndpoints).where(eq(servingEndpoints.name, "a1"));
    expect(row?.projectId).toBe((await findProject(db, "risk"))?.id);
    expect(await db.select().from(servingEndpoints).where(eq(servingEndpoints.name, "b1"))).toEqual([]);
  });

  it("answers every call of MLflow's Databricks deployment client with Databricks' shapes", async () => {
    // create_endpoint(config={"name": ..., "config": {...}}): the payload is the dict itself.
    const created = await call(collection.POST, "POST", tokens.alice, {
      body: {
        name: "churn-api",
        config: { served_entities: SERVED, traffic_config: { routes: [{ served_model_name: "churn-2", traffic_percentage: 100 }] } },
      },
    });
    expect(created.status).toBe(200);
    expect(Object.keys(created.body).sort()).toEqual(
      [
        "creation_timestamp",
        "creator",
        "id",
        "last_updated_timestamp",
        "name",
        "pending_config",
        "permission_level",
        "route_optimized",
        "state",
        "tags",
      ].sort(),
    );
    expect(created.body).toMatchObject({
      name: "churn-api",
      creator: "alice",
      state: { ready: "NOT_READY", config_update: "IN_PROGRESS" },
    });

    // The deprecated form create_endpoint(name, config) sends {"name", "config", "route_optimized": False, **extras}.
    const legacy = await call(collection.POST, "POST", tokens.alice, {
      body: {
        name: "legacy",
        config: { served_entities: [{ ...SERVED[0], entity_version: "1", name: "v1" }] },
        route_optimized: false,
        tags: [{ key: "team", value: "risk" }],
      },
    });
    expect(legacy.status).toBe(200);
    expect(legacy.body.tags).toEqual([{ key: "team", value: "risk" }]);

    // get_endpoint(endpoint): GET …/<name>, no body and no query.
    const got = await call(one.GET, "GET", tokens.alice, { name: "churn-api" });
    expect(got).toEqual({ status: 200, body: created.body });

    // update_endpoint_config(endpoint, config): PUT …/<name>/config with the config as the body, once the first
    // config has rolled out (a change during a rollout is refused, as on Databricks).
    await finishRollout(await (await import("@/lib/runtime/db")).getDb(), "churn-api");
    const updated = await call(config.PUT, "PUT", tokens.alice, {
      name: "churn-api",
      path: "/config",
      body: {
        served_entities: [
          { name: "a", entity_name: "churn", entity_version: "1", workload_size: "Small", scale_to_zero_enabled: false },
          { name: "b", entity_name: "churn", entity_version: "2", workload_size: "Small", scale_to_zero_enabled: false },
        ],
        traffic_config: {
          routes: [
            { served_model_name: "a", traffic_percentage: 80 },
            { served_model_name: "b", traffic_percentage: 20 },
          ],
        },
      },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.pending_config).toMatchObject({
      config_version: 2,
      traffic_config: {
        routes: [
          { served_model_name: "a", served_entity_name: "a", traffic_percentage: 80 },
          { served_model_name: "b", served_entity_name: "b", traffic_percentage: 20 },
        ],
      },
    });

    // list_endpoints(): GET …/ and the client returns `.endpoints`.
    const listed = await call(collection.GET, "GET", tokens.alice);
    expect(listed.status).toBe(200);
    expect((listed.body.endpoints as { name: string }[]).map((e) => e.name)).toEqual(["churn-api", "legacy"]);

    // delete_endpoint(endpoint): DELETE …/<name> without a body; the client parses the answer as JSON.
    expect(await call(one.DELETE, "DELETE", tokens.alice, { name: "legacy" })).toEqual({ status: 200, body: {} });
    expect(await call(one.GET, "GET", tokens.alice, { name: "legacy" })).toEqual({
      status: 404,
      body: { error_code: "RESOURCE_DOES_NOT_EXIST", message: 'There is no serving endpoint "legacy".' },
    });
  });

  it("sets the request log's sample rate, byte cap and retention through auto_capture_config on create and PUT …/config", async () => {
    const { getDb } = await import("@/lib/runtime/db");
    const db = await getDb();
    const settings = async (name: string) => {
      const [row] = await db.select().from(servingEndpoints).where(eq(servingEndpoints.name, name));
      return row && { rate: row.logSampleRate, bytes: row.logSampleBytes, days: row.logRetentionDays };
    };
    const created = await call(collection.POST, "POST", tokens.alice, {
      body: {
        name: "captured",
        config: { served_entities: SERVED, auto_capture_config: { log_sample_rate: 0.25, log_sample_bytes: 1024, log_retention_days: 7 } },
      },
    });
    expect(created.status).toBe(200);
    expect((created.body.pending_config as Record<string, unknown>).auto_capture_config).toEqual({
      enabled: true,
      log_sample_rate: 0.25,
      log_sample_bytes: 1024,
      log_retention_days: 7,
    });
    expect(await settings("captured")).toEqual({ rate: 0.25, bytes: 1024, days: 7 });
    await finishRollout(db, "captured");

    // What a PUT leaves out stays; Databricks' enabled: false keeps no bodies.
    const put = (auto: unknown) =>
      call(config.PUT, "PUT", tokens.alice, {
        name: "captured",
        path: "/config",
        body: { served_entities: SERVED, auto_capture_config: auto },
      });
    const updated = await put({ enabled: false, log_retention_days: 90 });
    expect(updated.status).toBe(200);
    expect(await settings("captured")).toEqual({ rate: 0, bytes: 1024, days: 90 });
    const got = await call(one.GET, "GET", tokens.alice, { name: "captured" });
    expect((got.body.config as Record<string, unknown>).auto_capture_config).toEqual({
      enabled: false,
      log_sample_rate: 0,
      log_sample_bytes: 1024,
      log_retention_days: 90,
    });
    const [audit] = await db.select().from(auditEvents).where(eq(auditEvents.action, "endpoint.config_update"));
    expect(audit?.detail).toMatchObject({ auto_capture_config: { enabled: false, log_retention_days: 90 } });
    await finishRollout(db, "captured");

    // Bad values: 400 in one sentence, and nothing changes (no new revision either).
    const bad = (message: string) => ({ status: 400, body: { error_code: "INVALID_PARAMETER_VALUE", message } });
    expect(await put({ log_sample_rate: 1.5 })).toEqual(bad('"auto_capture_config.log_sample_rate" must be from 0 to 1.'));
    expect(await put({ log_sample_bytes: 65537 })).toEqual(bad('"auto_capture_config.log_sample_bytes" must be from 0 to 65536.'));
    expect(await put({ log_sample_bytes: 10.5 })).toEqual(bad('"auto_capture_config.log_sample_bytes" must be a whole number of bytes.'));
    expect(await put({ log_retention_days: 0 })).toEqual(bad('"auto_capture_config.log_retention_days" must be from 1 to 3650.'));
    expect(await put({ log_sample_rate: "all" })).toMatchObject({ status: 400, body: { error_code: "INVALID_PARAMETER_VALUE" } });
    expect(await put({ catalog_name: "main", schema_name: "default" })).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE" },
    });
    expect(await put({ enabled: false, log_sample_rate: 0.5 })).toMatchObject({ status: 400 });
    expect(await settings("captured")).toEqual({ rate: 0, bytes: 1024, days: 90 });
    const versions = await db.select().from(servingEndpointConfigs);
    expect(versions).toHaveLength(2);
  });

  it("answers the client's tag call, and names the Databricks calls Atrium does not have in MLflow's error shape", async () => {
    const made = await call(collection.POST, "POST", tokens.alice, {
      body: { name: "tagged", config: { served_entities: SERVED }, tags: [{ key: "team", value: "risk" }, { key: "tier" }] },
    });
    expect(made.body.tags).toEqual([
      { key: "team", value: "risk" },
      { key: "tier", value: "" },
    ]);
    // update_endpoint_tags(endpoint, config): PATCH …/<name>/tags with {add_tags, delete_tags}; Databricks answers {tags}
    // (mlflow/deployments/databricks/__init__.py, DatabricksDeploymentClient.update_endpoint_tags).
    const patched = await call(tags.PATCH, "PATCH", tokens.alice, {
      name: "tagged",
      path: "/tags",
      body: {
        add_tags: [
          { key: "team", value: "fraud" },
          { key: "stage", value: "prod" },
        ],
        delete_tags: ["tier"],
      },
    });
    expect(patched).toEqual({
      status: 200,
      body: {
        tags: [
          { key: "team", value: "fraud" },
          { key: "stage", value: "prod" },
        ],
      },
    });
    expect((await call(one.GET, "GET", tokens.alice, { name: "tagged" })).body.tags).toEqual(patched.body.tags);
    // Someone who may not change it, and a token without `serving`, are refused; nothing changed.
    expect(await call(tags.PATCH, "PATCH", tokens.bob, { name: "tagged", path: "/tags", body: { delete_tags: ["team"] } })).toMatchObject({
      status: 403,
      body: { error_code: "PERMISSION_DENIED" },
    });
    expect(
      await call(tags.PATCH, "PATCH", tokens.aliceInvoke, { name: "tagged", path: "/tags", body: { delete_tags: ["team"] } }),
    ).toMatchObject({ status: 403 });
    expect(await call(tags.PATCH, "PATCH", tokens.alice, { name: "tagged", path: "/tags", body: { add_tags: [{ value: "x" }] } })).toEqual({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE", message: expect.stringMatching(/add_tags\.0\.key/) as unknown },
    });
    expect((await call(one.GET, "GET", tokens.alice, { name: "tagged" })).body.tags).toEqual(patched.body.tags);

    // update_endpoint_rate_limits: PUT …/<name>/rate-limits; update_endpoint_ai_gateway: PUT …/<name>/ai-gateway (the same
    // file). Atrium has neither: 404 ENDPOINT_NOT_FOUND, Databricks' code for an unknown call, in one sentence.
    for (const sub of ["rate-limits", "ai-gateway"]) {
      const res = unsupported.PUT(
        new Request(`${BASE}/tagged/${sub}`, { method: "PUT", headers: { authorization: `Bearer ${tokens.alice}` }, body: "{}" }),
      );
      expect([res.status, await res.json()]).toEqual([
        404,
        {
          error_code: "ENDPOINT_NOT_FOUND",
          message: `Atrium has no PUT /api/2.0/serving-endpoints/tagged/${sub} call; an endpoint's calls are its config (PUT), permissions (GET, PATCH, PUT) and tags (PATCH) (docs/serving.md).`,
        },
      ]);
    }
  });

  it("refuses bad input with a 4xx and one sentence in MLflow's error shape", async () => {
    const post = (body: unknown) => call(collection.POST, "POST", tokens.alice, { body });
    const bad = (message: string) => ({ status: 400, body: { error_code: "INVALID_PARAMETER_VALUE", message } });
    expect(await post({ name: "bad name!", config: { served_entities: SERVED } })).toEqual(
      bad('"name" must be 1 to 63 letters, digits, dashes (-) and underscores (_).'),
    );
    expect(await post({ name: "x".repeat(64), config: { served_entities: SERVED } })).toEqual(
      bad('"name" must be 1 to 63 letters, digits, dashes (-) and underscores (_).'),
    );
    expect(await post({ name: "rl", config: { served_entities: SERVED }, rate_limits: [{ calls: 10 }] })).toEqual(
      bad('Unknown field "rate_limits".'),
    );
    expect(await post({ name: "ext", config: { served_entities: [{ external_model: { name: "gpt-4" } }] } })).toMatchObject({
      status: 400,
    });
    expect(await post({ name: "gpu", config: { served_entities: [{ ...SERVED[0], workload_type: "GPU_SMALL" }] } })).toEqual(
      bad('"config.served_entities.0.workload_type" must be "CPU": Atrium serves on CPUs.'),
    );
    expect(
      await post({
        name: "pct",
        config: { served_entities: SERVED, traffic_config: { routes: [{ served_model_name: "churn-2", traffic_percentage: 101 }] } },
      }),
    ).toMatchObject({
      status: 400,
      body: { error_code: "INVALID_PARAMETER_VALUE" },
    });
    expect(await post({ name: "empty", config: { served_entities: [] } })).toMatchObject({ status: 400 });
    expect(await post([1, 2])).toMatchObject({ status: 400, body: { error_code: "INVALID_PARAMETER_VALUE" } });
    const notJson = await collection.POST(
      new Request(BASE, {
        method: "POST",
        headers: { authorization: `Bearer ${tokens.alice}`, "content-type": "application/json" },
        body: "{",
      }),
      { params: Promise.resolve({}) },
    );
    expect([notJson.status, await notJson.json()]).toEqual([
      400,
      { error_code: "INVALID_PARAMETER_VALUE", message: "The request body is not valid JSON." },
    ]);
    // A name no endpoint could have is simply not there: 404, never a 500.
    expect(await call(one.GET, "GET", tokens.alice, { name: "x".repeat(900) })).toMatchObject({ status: 404 });
    expect(
      await call(permissions.PATCH, "PATCH", tokens.alice, { name: "none", path: "/permissions", body: { access_control_list: [] } }),
    ).toMatchObject({
      status: 404,
    });
    const listed = await call(collection.GET, "GET", tokens.alice);
    expect(listed.body).toEqual({ endpoints: [] });
  });

  it("needs `serving` to manage and `serving:invoke` to read; a token with only serving:invoke cannot manage", async () => {
    const made = await call(collection.POST, "POST", tokens.alice, { body: { name: "scoped", config: { served_entities: SERVED } } });
    expect(made.status).toBe(200);
    const lacks = (scope: string) => ({
      status: 403,
      body: { error_code: "PERMISSION_DENIED", message: `This token lacks the "${scope}" scope this needs.` },
    });
    const body = { name: "other", config: { served_entities: SERVED } };
    expect(await call(collection.POST, "POST", tokens.aliceInvoke, { body })).toEqual(lacks("serving"));
    expect(await call(collection.POST, "POST", tokens.aliceMlflow, { body })).toEqual(lacks("serving"));
    expect(
      await call(config.PUT, "PUT", tokens.aliceInvoke, { name: "scoped", path: "/config", body: { served_entities: SERVED } }),
    ).toEqual(lacks("serving"));
    expect(await call(one.DELETE, "DELETE", tokens.aliceInvoke, { name: "scoped" })).toEqual(lacks("serving"));
    expect(
      await call(permissions.PATCH, "PATCH", tokens.aliceInvoke, {
        name: "scoped",
        path: "/permissions",
        body: { access_control_list: [{ token_id: "tok_alice_invoke", permission_level: "CAN_QUERY" }] },
      }),
    ).toEqual(lacks("serving"));
    expect(await call(one.GET, "GET", tokens.aliceMlflow, { name: "scoped" })).toEqual(lacks("serving:invoke"));
    expect((await call(one.GET, "GET", tokens.aliceInvoke, { name: "scoped" })).status).toBe(200);
    expect(await call(collection.GET, "GET", null)).toEqual({
      status: 401,
      body: { error_code: "UNAUTHENTICATED", message: "Sign in or send a valid API token." },
    });
    // Another person's `serving` token reads, but cannot change, delete or re-grant alice's endpoint.
    const onlyAlice = {
      status: 403,
      body: { error_code: "PERMISSION_DENIED", message: "Only alice or an admin may change endpoint scoped." },
    };
    expect((await call(one.GET, "GET", tokens.bob, { name: "scoped" })).body.permission_level).toBe("CAN_VIEW");
    expect(await call(config.PUT, "PUT", tokens.bob, { name: "scoped", path: "/config", body: { served_entities: SERVED } })).toEqual(
      onlyAlice,
    );
    expect(await call(one.DELETE, "DELETE", tokens.bob, { name: "scoped" })).toEqual(onlyAlice);
    expect(await call(permissions.GET, "GET", tokens.bob, { name: "scoped", path: "/permissions" })).toEqual(onlyAlice);
    expect((await call(one.GET, "GET", tokens.alice, { name: "scoped" })).body.pending_config).toMatchObject({ config_version: 1 });
  });

  it("grants CAN_QUERY through the permissions calls, and answers a refused grant in one sentence", async () => {
    await call(collection.POST, "POST", tokens.alice, { body: { name: "shared", config: { served_entities: SERVED } } });
    const patch = (body: unknown) => call(permissions.PATCH, "PATCH", tokens.alice, { name: "shared", path: "/permissions", body });
    expect(await patch({ access_control_list: [{ user_name: "bob", permission_level: "CAN_MANAGE" }] })).toEqual({
      status: 400,
      body: {
        error_code: "INVALID_PARAMETER_VALUE",
        message:
          '"access_control_list.0.permission_level" must be CAN_QUERY: its owner and admins manage an endpoint, and everyone signed in may view it.',
      },
    });
    expect(await patch({ access_control_list: [{ user_name: "bob", token_id: "tok_bob", permission_level: "CAN_QUERY" }] })).toMatchObject({
      status: 400,
      body: { message: '"access_control_list.0" must name exactly one of user_name and token_id.' },
    });
    const granted = await patch({ access_control_list: [{ token_id: "tok_bob", permission_level: "CAN_QUERY" }] });
    expect(granted).toEqual({
      status: 200,
      body: {
        object_id: expect.stringMatching(/^\/serving-endpoints\/[0-9a-f]{32}$/) as unknown,
        object_type: "serving-endpoint",
        access_control_list: [
          { user_name: "alice", permission_level: "CAN_MANAGE" },
          { token_id: "tok_bob", token_owner: "bob", permission_level: "CAN_QUERY" },
        ],
      },
    });
    expect((await call(one.GET, "GET", tokens.bob, { name: "shared" })).body.permission_level).toBe("CAN_QUERY");
    const replaced = await call(permissions.PUT, "PUT", tokens.alice, {
      name: "shared",
      path: "/permissions",
      body: { access_control_list: [] },
    });
    expect(replaced.body.access_control_list).toEqual([{ user_name: "alice", permission_level: "CAN_MANAGE" }]);
  });
  it("gives a replica's bundle to that replica's own token only, and the token is nobody on any other route", async () => {
    const { getDb } = await import("@/lib/runtime/db");
    const db = await getDb();
    const store = getArtifactStore();
    for (const v of [1, 2]) await putFile(store, `1/r${v}/artifacts/model/MLmodel`, Readable.from([Buffer.from(`flavors: {}\nv: ${v}\n`)]));
    const created = await call(collection.POST, "POST", tokens.alice, { body: { name: "bundled", config: { served_entities: SERVED } } });
    const [row] = await db.select().from(servingEndpoints).where(eq(servingEndpoints.name, "bundled"));
    const replica = (id: string) =>
      insertReplica(db, {
        id,
        endpointId: String(created.body.id),
        configId: row?.pendingConfigId ?? "",
        servedEntity: "churn-2",
        modelVersion: 2,
      });
    await replica("rep-a");
    await replica("rep-b");
    const owner = { id: p.alice.userId ?? "", name: "alice" };
    const [mine, other] = [await issueBundleToken(db, "rep-a", owner), await issueBundleToken(db, "rep-b", owner)];
    const get = async (id: string, token?: string) => {
      const req = new Request(`http://localhost:3000/api/serving/bundles/${id}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      const res = await bundle.GET(req, { params: Promise.resolve({ replica: id }) });
      return { status: res.status, type: res.headers.get("content-type"), body: Buffer.from(await res.arrayBuffer()) };
    };

    const own = await get("rep-a", mine);
    expect([own.status, own.type]).toEqual([200, "application/x-tar"]);
    expect(own.body.toString("latin1")).toContain("model/MLmodel");
    expect(own.body.toString("latin1")).toContain("v: 2");
    const json = (r: { status: number; body: Buffer }) => ({ status: r.status, ...(JSON.parse(r.body.toString()) as object) });
    const refused = { status: 403, error: "forbidden", message: "Only this replica's own bundle token may fetch its bundle." };
    // Another replica's token, a person's token with every scope, and no token at all.
    expect(json(await get("rep-a", other))).toEqual(refused);
    expect(json(await get("rep-a", tokens.alice))).toEqual(refused);
    expect(json(await get("rep-a"))).toMatchObject({ status: 401, error: "unauthenticated" });

    // Anywhere else the token is nobody: MLflow's write API and the serving API answer 401 as to no token.
    const write = new Request("http://localhost:3000/api/2.0/mlflow/experiments/create", {
      method: "POST",
      headers: { authorization: `Bearer ${mine}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "from-a-model" }),
    });
    expect((await mlflow.POST(write, { params: Promise.resolve({ path: ["experiments", "create"] }) })).status).toBe(401);
    expect((await call(collection.GET, "GET", mine)).status).toBe(401);

    // Once the replica answers, its token is revoked; a replica that is not starting has no bundle to fetch.
    await updateReplica(db, "rep-a", { state: "ready" });
    await revokeBundleToken(db, "rep-a");
    expect(json(await get("rep-a", mine))).toEqual(refused);
    await updateReplica(db, "rep-b", { state: "draining" });
    expect(json(await get("rep-b", other))).toMatchObject({ status: 404, error: "no_bundle" });
  });
});
