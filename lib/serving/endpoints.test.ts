import { asc, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { auditEvents, events, servingEndpointConfigs, servingEndpointGrants, servingEndpoints, servingRequestLog } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { BOOTSTRAP_PRINCIPAL, type Principal } from "@/lib/auth/principal";
import type { ApiError } from "@/lib/http/api-error";
import { parseWith } from "@/lib/http/parse";
import { apiError } from "@/lib/http/testing";
import { invokeRefusal } from "./access";
import { createEndpoint, ROLLING_OUT, deleteEndpoint, getEndpoint, listEndpoints, updateEndpointConfig } from "./endpoints";
import { getPermissions, removeGrant, updatePermissions } from "./grants";
import { createEndpointSchema, endpointConfigInputSchema, permissionsInputSchema } from "./schemas";
import { churnConfig, finishRollout, seedServing, tokenOf, type Person } from "./testing";

/** Creates an endpoint and lets its config roll out, as the reconciler would, so the next change is not refused. */
const create = async (db: Db, caller: Principal, name: string, config: Record<string, unknown> = churnConfig()) => {
  const view = await createEndpoint(db, caller, parseWith(createEndpointSchema, { name, config }));
  await finishRollout(db, name);
  return view;
};
/** Changes the config and lets it roll out. */
const update = async (db: Db, caller: Principal, name: string, config: Record<string, unknown>) => {
  const view = await updateEndpointConfig(db, caller, name, parseWith(endpointConfigInputSchema, config));
  await finishRollout(db, name);
  return view;
};
const grant = (db: Db, caller: Principal, name: string, acl: Record<string, string>[], mode: "add" | "replace" = "add") =>
  updatePermissions(db, caller, name, parseWith(permissionsInputSchema, { access_control_list: acl }), mode);

/** What a client sees of a refusal: status, MLflow's error_code and the sentence. */
const refusal = (e: ApiError) => ({ status: e.status, error_code: e.extra.error_code, message: e.message });

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    let p: Record<Person, Principal>;
    beforeEach(async () => {
      p = await seedServing(db());
    });

    const stored = async () => ({
      endpoints: await db().select({ name: servingEndpoints.name }).from(servingEndpoints).orderBy(asc(servingEndpoints.name)),
      configs: (await db().select().from(servingEndpointConfigs)).length,
      audit: (await db().select({ action: auditEvents.action }).from(auditEvents).orderBy(asc(auditEvents.id))).map((a) => a.action),
      events: (await db().select({ type: events.type }).from(events).orderBy(asc(events.id))).map((e) => e.type),
    });

    it("creates an endpoint in Databricks' shape, pending until the reconciler rolls it out, with its audit entry and event", async () => {
      const before = Date.now();
      const view = await createEndpoint(db(), p.alice, parseWith(createEndpointSchema, { name: "churn-api", config: churnConfig() }));
      expect(view.id).toMatch(/^[0-9a-f]{32}$/);
      expect(view.creation_timestamp).toBeGreaterThanOrEqual(before - 5000);
      expect(view).toEqual({
        name: "churn-api",
        id: view.id,
        creator: "alice",
        creation_timestamp: view.creation_timestamp,
        last_updated_timestamp: view.last_updated_timestamp,
        state: { ready: "NOT_READY", config_update: "IN_PROGRESS" },
        pending_config: {
          served_entities: [
            {
              name: "churn-2",
              entity_name: "churn",
              entity_version: "2",
              workload_size: "Small",
              workload_type: "CPU",
              scale_to_zero_enabled: false,
              cpu: 0.5,
              memory_gb: 1,
              min_replicas: 1,
              max_replicas: 1,
              environment: null,
              creator: "alice",
              creation_timestamp: view.pending_config?.start_time,
              state: { deployment: "DEPLOYMENT_CREATING", deployment_state_message: ROLLING_OUT },
            },
          ],
          traffic_config: { routes: [{ served_model_name: "churn-2", served_entity_name: "churn-2", traffic_percentage: 100 }] },
          auto_capture_config: { enabled: true, log_sample_rate: 1, log_sample_bytes: 4096, log_retention_days: 30 },
          config_version: 1,
          start_time: view.pending_config?.start_time,
        },
        tags: [],
        permission_level: "CAN_MANAGE",
        route_optimized: false,
      });
      expect("config" in view).toBe(false);
      expect(await stored()).toEqual({
        endpoints: [{ name: "churn-api" }],
        configs: 1,
        audit: ["endpoint.create"],
        events: ["endpoint.created"],
      });
      const [event] = await db().select().from(events);
      expect(event).toMatchObject({
        entityType: "serving_endpoint",
        entityId: view.id,
        actorId: p.alice.userId,
        actorName: "alice",
        payload: { endpoint_id: view.id, endpoint_name: "churn-api", owner: "alice", config_version: 1 },
      });
      expect(await getEndpoint(db(), p.alice, "churn-api")).toEqual(view);
    });

    it("follows an alias at the version it points at, and remembers that it follows it", async () => {
      const view = await create(db(), p.alice, "champ", { served_entities: [{ entity_name: "churn", entity_alias: "champion" }] });
      expect(view.pending_config?.served_entities[0]).toMatchObject({
        name: "churn-champion",
        entity_version: "2",
        entity_alias: "champion",
      });
      const [row] = await db().select().from(servingEndpoints);
      expect(row?.followedAliases).toEqual(["churn@champion"]);
    });

    it("splits traffic between versions and sends a shadow copies only", async () => {
      const view = await create(db(), p.pat, "canary", {
        served_entities: [
          { name: "a", entity_name: "churn", entity_version: 1 },
          { name: "b", entity_name: "churn", entity_version: "2", workload_size: "Medium", min_replicas: 1, max_replicas: 2 },
          { name: "shadow", entity_name: "churn", entity_alias: "champion" },
        ],
        traffic_config: {
          routes: [
            { served_model_name: "a", traffic_percentage: 90 },
            { served_entity_name: "b", traffic_percentage: 10 },
          ],
        },
        shadow_entity_name: "shadow",
      });
      expect(view.pending_config?.traffic_config.routes.map((r) => [r.served_entity_name, r.traffic_percentage])).toEqual([
        ["a", 90],
        ["b", 10],
      ]);
      expect(view.pending_config?.shadow_entity_name).toBe("shadow");
      expect(view.pending_config?.served_entities[1]).toMatchObject({ cpu: 2, memory_gb: 4, max_replicas: 2 });
    });

    const invalid = (message: string) => ({ status: 400, error_code: "INVALID_PARAMETER_VALUE", message });
    const two = (routes: unknown[], extra: Record<string, unknown> = {}) => ({
      served_entities: [
        { name: "a", entity_name: "churn", entity_version: "1" },
        { name: "b", entity_name: "churn", entity_version: "2" },
      ],
      traffic_config: { routes },
      ...extra,
    });
    const CASES: [string, Record<string, unknown>, ReturnType<typeof invalid>][] = [
      ["an unknown model", churnConfig({ entity_name: "nope" }), invalid('served_entities[0]: there is no registered model "nope".')],
      [
        "a version that does not exist",
        churnConfig({ entity_version: "9" }),
        invalid('served_entities[0]: model "churn" has no version 9.'),
      ],
      [
        "a version not yet READY",
        churnConfig({ entity_version: "3" }),
        invalid('served_entities[0]: version 3 of "churn" is PENDING_REGISTRATION, not READY.'),
      ],
      [
        "an alias the model lacks",
        { served_entities: [{ entity_name: "churn", entity_alias: "gone" }] },
        invalid('served_entities[0]: model "churn" has no alias "gone".'),
      ],
      [
        "both a version and an alias",
        churnConfig({ entity_alias: "champion" }),
        invalid("served_entities[0] must name exactly one of entity_version and entity_alias."),
      ],
      [
        "neither a version nor an alias",
        { served_entities: [{ entity_name: "churn" }] },
        invalid("served_entities[0] must name exactly one of entity_version and entity_alias."),
      ],
      [
        "percentages that add up to 90",
        two([
          { served_model_name: "a", traffic_percentage: 80 },
          { served_model_name: "b", traffic_percentage: 10 },
        ]),
        invalid("The traffic percentages add up to 90; they must add up to 100."),
      ],
      [
        "a route to no served entity",
        two([{ served_model_name: "c", traffic_percentage: 100 }]),
        invalid('traffic_config.routes[0] names "c", which is not a served entity (a, b).'),
      ],
      [
        "a route naming two entities",
        two([{ served_model_name: "a", served_entity_name: "b", traffic_percentage: 100 }]),
        invalid('traffic_config.routes[0] names two different entities ("a" and "b").'),
      ],
      [
        "an entity routed twice",
        two([
          { served_model_name: "a", traffic_percentage: 50 },
          { served_model_name: "a", traffic_percentage: 50 },
        ]),
        invalid('traffic_config.routes[1] names "a" a second time.'),
      ],
      [
        "several entities and no routes",
        { served_entities: two([]).served_entities },
        invalid("traffic_config.routes must say how the traffic is split when there are several served entities."),
      ],
      [
        "two entities with one name",
        { served_entities: [churnConfig().served_entities[0], churnConfig().served_entities[0]] },
        invalid('Two served entities are named "churn-2"; give each its own name.'),
      ],
      [
        "traffic to the shadow",
        two([{ served_model_name: "b", traffic_percentage: 100 }], { shadow_entity_name: "b" }),
        invalid('traffic_config.routes[0] routes traffic to "b", the shadow entity, which only gets copies.'),
      ],
      [
        "an unknown shadow",
        two([{ served_model_name: "b", traffic_percentage: 100 }], { shadow_entity_name: "z" }),
        invalid('shadow_entity_name names "z", which is not a served entity (a, b).'),
      ],
      [
        "zero replicas without scale to zero",
        churnConfig({ min_replicas: 0 }),
        invalid("served_entities[0]: min_replicas 0 needs scale_to_zero_enabled true."),
      ],
      [
        "scale to zero with a floor",
        churnConfig({ scale_to_zero_enabled: true, min_replicas: 1 }),
        invalid("served_entities[0]: scale_to_zero_enabled needs min_replicas 0 (it is 1)."),
      ],
      [
        "fewer max than min replicas",
        churnConfig({ min_replicas: 2, max_replicas: 1 }),
        invalid("served_entities[0]: min_replicas (2) is more than max_replicas (1)."),
      ],
      [
        "an unknown environment",
        churnConfig({ environment: "nowhere" }),
        invalid('served_entities[0]: there is no environment "nowhere".'),
      ],
      [
        "more CPU than the environment allows",
        churnConfig({ environment: "tiny" }),
        invalid('served_entities[0]: the environment "tiny" allows at most 0.25 CPUs per replica.'),
      ],
      [
        "an environment the owner's role may not use",
        churnConfig({ environment: "power-only" }),
        { status: 403, error_code: "PERMISSION_DENIED", message: `The environment "power-only" is not available to role 'user'.` },
      ],
    ];
    for (const [what, config, want] of CASES) {
      it(`refuses ${what} in one sentence and stores nothing`, async () => {
        expect(refusal(await apiError(create(db(), p.alice, "e", config)))).toEqual(want);
        expect(await stored()).toEqual({ endpoints: [], configs: 0, audit: [], events: [] });
      });
    }

    it("refuses a taken name with RESOURCE_ALREADY_EXISTS, whoever asks", async () => {
      await create(db(), p.alice, "taken");
      expect(refusal(await apiError(create(db(), p.bob, "taken")))).toEqual({
        status: 409,
        error_code: "RESOURCE_ALREADY_EXISTS",
        message: 'A serving endpoint named "taken" already exists.',
      });
      expect((await stored()).configs).toBe(1);
    });

    it("refuses the bootstrap token, which has no account to own an endpoint", async () => {
      expect(refusal(await apiError(create(db(), BOOTSTRAP_PRINCIPAL, "boot")))).toMatchObject({
        status: 403,
        error_code: "PERMISSION_DENIED",
      });
    });

    it("holds a person to her role's serving allowance, naming the limit", async () => {
      await create(db(), p.alice, "one");
      await create(db(), p.alice, "two");
      expect(refusal(await apiError(create(db(), p.alice, "three")))).toEqual({
        status: 403,
        error_code: "RESOURCE_EXHAUSTED",
        message: "You already own 2 of the 2 serving endpoints role 'user' allows; delete one first or ask an admin for more.",
      });
      // Changing one of them counts the others (0.5 CPU) but not its own current config.
      await update(db(), p.alice, "one", churnConfig({ cpu: 1.5 }));
      expect(refusal(await apiError(update(db(), p.alice, "one", churnConfig({ cpu: 1, max_replicas: 2 }))))).toEqual({
        status: 403,
        error_code: "RESOURCE_EXHAUSTED",
        message:
          "This config holds 2 CPUs and your other endpoints 0.5; role 'user' allows 2 serving CPUs in all (CPUs per replica × max replicas, over all your endpoints).",
      });
      expect(refusal(await apiError(update(db(), p.alice, "two", churnConfig({ memory_gb: 3.5 }))))).toEqual({
        status: 403,
        error_code: "RESOURCE_EXHAUSTED",
        message:
          "This config holds 3.5 GiB and your other endpoints 1 GiB; role 'user' allows 4 GiB of serving memory in all (GiB per replica × max replicas, over all your endpoints).",
      });
      // An admin changing alice's endpoint is held to alice's allowance, not her own.
      expect(refusal(await apiError(update(db(), p.root, "two", churnConfig({ cpu: 1 }))))).toMatchObject({
        error_code: "RESOURCE_EXHAUSTED",
      });
      const versions = await db().select({ v: servingEndpointConfigs.version }).from(servingEndpointConfigs);
      expect(versions.map((v) => v.v).sort()).toEqual([1, 1, 2]);
    });

    it("keeps every config as a revision; the newer one waits as pending_config and re-applying the old one rolls back", async () => {
      const first = await create(db(), p.alice, "rev");
      const second = await update(db(), p.alice, "rev", churnConfig({ entity_version: "1" }));
      expect(second.pending_config).toMatchObject({ config_version: 2, served_entities: [{ name: "churn-1", entity_version: "1" }] });
      // The first config serves while the second rolls out.
      expect(second.state).toEqual({ ready: "READY", config_update: "IN_PROGRESS" });
      expect(second.config?.config_version).toBe(1);
      const third = await update(db(), p.alice, "rev", churnConfig());
      expect(third.pending_config?.config_version).toBe(3);
      expect(third.pending_config?.served_entities).toEqual(
        first.pending_config?.served_entities.map((e) => ({ ...e, creation_timestamp: third.pending_config?.start_time })),
      );
      expect((await stored()).audit).toEqual(["endpoint.create", "endpoint.config_update", "endpoint.config_update"]);
      const updated = await db().select().from(events).where(eq(events.type, "endpoint.config_updated"));
      expect(updated.map((e) => e.payload.config_version)).toEqual([2, 3]);
    });

    it("refuses a config change while one is rolling out with RESOURCE_CONFLICT, and takes one after a failed rollout", async () => {
      await createEndpoint(db(), p.alice, parseWith(createEndpointSchema, { name: "busy", config: churnConfig() }));
      const change = () =>
        updateEndpointConfig(db(), p.alice, "busy", parseWith(endpointConfigInputSchema, churnConfig({ entity_version: "1" })));
      expect(refusal(await apiError(change()))).toEqual({
        status: 409,
        error_code: "RESOURCE_CONFLICT",
        message: 'The endpoint "busy" is rolling out a config; wait until its config_update is no longer IN_PROGRESS and try again.',
      });
      expect((await stored()).configs).toBe(1);
      await db().update(servingEndpoints).set({ configUpdate: "UPDATE_FAILED" }).where(eq(servingEndpoints.name, "busy"));
      expect((await change()).pending_config?.config_version).toBe(2);
    });

    it("lets everyone signed in read an endpoint, but only its owner or an admin change or delete it", async () => {
      await create(db(), p.alice, "mine");
      expect((await getEndpoint(db(), p.bob, "mine")).permission_level).toBe("CAN_VIEW");
      const onlyAlice = { status: 403, error_code: "PERMISSION_DENIED", message: "Only alice or an admin may change endpoint mine." };
      expect(refusal(await apiError(update(db(), p.bob, "mine", churnConfig({ entity_version: "1" }))))).toEqual(onlyAlice);
      expect(refusal(await apiError(deleteEndpoint(db(), p.bob, "mine")))).toEqual(onlyAlice);
      expect(refusal(await apiError(getPermissions(db(), p.bob, "mine")))).toEqual(onlyAlice);
      expect(refusal(await apiError(grant(db(), p.bob, "mine", [{ user_name: "bob", permission_level: "CAN_QUERY" }])))).toEqual(onlyAlice);
      expect(await stored()).toEqual({
        endpoints: [{ name: "mine" }],
        configs: 1,
        audit: ["endpoint.create"],
        events: ["endpoint.created"],
      });
      expect((await getEndpoint(db(), p.root, "mine")).permission_level).toBe("CAN_MANAGE");
      await update(db(), p.root, "mine", churnConfig({ entity_version: "1" }));
      await deleteEndpoint(db(), p.root, "mine");
      expect((await stored()).endpoints).toEqual([]);
    });

    it("lists by name what the caller may read, with her permission on each", async () => {
      await create(db(), p.bob, "zeta");
      await create(db(), p.alice, "alpha");
      await grant(db(), p.bob, "zeta", [{ user_name: "alice", permission_level: "CAN_QUERY" }]);
      const listed = await listEndpoints(db(), p.alice);
      expect(listed.endpoints.map((e) => [e.name, e.creator, e.permission_level])).toEqual([
        ["alpha", "alice", "CAN_MANAGE"],
        ["zeta", "bob", "CAN_QUERY"],
      ]);
    });

    it("deletes an endpoint with its configs and grants but keeps its request log", async () => {
      const view = await create(db(), p.alice, "gone");
      await grant(db(), p.alice, "gone", [{ user_name: "bob", permission_level: "CAN_QUERY" }]);
      await db().insert(servingRequestLog).values({
        endpointId: view.id,
        endpointName: "gone",
        callerName: "bob",
        servedEntity: "churn-2",
        modelVersion: 2,
        status: 200,
        latencyMs: 3.5,
      });
      expect(await deleteEndpoint(db(), p.alice, "gone")).toEqual({});
      expect(await stored()).toEqual({
        endpoints: [],
        configs: 0,
        audit: ["endpoint.create", "endpoint.permissions_update", "endpoint.delete"],
        events: ["endpoint.created", "endpoint.permissions_updated", "endpoint.deleted"],
      });
      expect(await db().select().from(servingEndpointGrants)).toEqual([]);
      expect(await db().select({ id: servingRequestLog.endpointId }).from(servingRequestLog)).toEqual([{ id: view.id }]);
      expect(refusal(await apiError(getEndpoint(db(), p.alice, "gone")))).toEqual({
        status: 404,
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: 'There is no serving endpoint "gone".',
      });
      expect(refusal(await apiError(deleteEndpoint(db(), p.alice, "gone")))).toMatchObject({ status: 404 });
    });

    it("lets only the owner, admins and grantees call an endpoint; a grant to one token is not a grant to another", async () => {
      await create(db(), p.alice, "api");
      const x = await tokenOf(db(), p.bob, "tok_x", ["serving:invoke"]);
      const y = await tokenOf(db(), p.bob, "tok_y", ["serving:invoke"]);
      const carolMlflow = await tokenOf(db(), p.carol, "tok_c_mlflow", ["mlflow"]);
      const carolInvoke = await tokenOf(db(), p.carol, "tok_c_invoke", ["serving:invoke"]);
      const aliceInvoke = await tokenOf(db(), p.alice, "tok_a", ["serving:invoke"]);
      const denied = {
        status: 403,
        code: "permission_denied",
        message: "Only alice, an admin or whom they granted it may call endpoint api.",
      };
      expect(await invokeRefusal(db(), aliceInvoke.principal, "api")).toBeNull();
      expect(await invokeRefusal(db(), p.root, "api")).toBeNull();
      expect(await invokeRefusal(db(), x.principal, "api")).toEqual(denied);

      const acl = await grant(db(), p.alice, "api", [
        { token_id: "tok_x", permission_level: "CAN_QUERY" },
        { user_name: "carol", permission_level: "CAN_QUERY" },
      ]);
      expect(acl.access_control_list).toEqual([
        { user_name: "alice", permission_level: "CAN_MANAGE" },
        { user_name: "carol", permission_level: "CAN_QUERY" },
        { token_id: "tok_x", token_owner: "bob", permission_level: "CAN_QUERY" },
      ]);
      expect(await invokeRefusal(db(), x.principal, "api")).toBeNull();
      expect(await invokeRefusal(db(), y.principal, "api")).toEqual(denied);
      expect(await invokeRefusal(db(), p.bob, "api")).toEqual(denied);
      expect(await invokeRefusal(db(), p.carol, "api")).toBeNull();
      expect(await invokeRefusal(db(), carolInvoke.principal, "api")).toBeNull();
      expect(await invokeRefusal(db(), carolMlflow.principal, "api")).toEqual({
        status: 403,
        code: "insufficient_scope",
        message: 'This token lacks the "serving:invoke" scope this needs.',
      });
      expect(await invokeRefusal(db(), x.principal, "other")).toMatchObject({ status: 404 });
      expect((await getEndpoint(db(), x.principal, "api")).permission_level).toBe("CAN_QUERY");
      expect((await getEndpoint(db(), y.principal, "api")).permission_level).toBe("CAN_VIEW");

      // PUT replaces the list: the token's grant is gone, carol's stays.
      await grant(db(), p.alice, "api", [{ user_name: "carol", permission_level: "CAN_QUERY" }], "replace");
      expect(await invokeRefusal(db(), x.principal, "api")).toEqual(denied);
      expect(await invokeRefusal(db(), p.carol, "api")).toBeNull();
    });

    it("removes one grant by the grantee's id (the endpoint page's Remove), audited; only the owner or an admin may", async () => {
      await create(db(), p.alice, "api");
      const x = await tokenOf(db(), p.bob, "tok_x", ["serving:invoke"]);
      await grant(db(), p.alice, "api", [
        { token_id: "tok_x", permission_level: "CAN_QUERY" },
        { user_name: "carol", permission_level: "CAN_QUERY" },
      ]);
      expect(refusal(await apiError(removeGrant(db(), p.bob, "api", { kind: "token", id: "tok_x" })))).toMatchObject({ status: 403 });
      const after = await removeGrant(db(), p.root, "api", { kind: "user", id: p.carol.userId ?? "" });
      expect(after.access_control_list).toEqual([
        { user_name: "alice", permission_level: "CAN_MANAGE" },
        { token_id: "tok_x", token_owner: "bob", permission_level: "CAN_QUERY" },
      ]);
      expect(await invokeRefusal(db(), p.carol, "api")).toMatchObject({ status: 403 });
      expect(await invokeRefusal(db(), x.principal, "api")).toBeNull();
      expect(refusal(await apiError(removeGrant(db(), p.alice, "api", { kind: "user", id: p.carol.userId ?? "" })))).toEqual({
        status: 404,
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: 'The endpoint "api" has no grant to that person; it may have been removed already.',
      });
      const audit = await db().select().from(auditEvents).where(eq(auditEvents.action, "endpoint.permissions_update"));
      expect(audit.map((a) => [a.actor, (a.detail as { mode: string }).mode])).toEqual([
        ["alice", "add"],
        ["root", "remove"],
      ]);
    });

    it("refuses a grant to someone or some token that does not exist, and changes nothing", async () => {
      await create(db(), p.alice, "api");
      expect(refusal(await apiError(grant(db(), p.alice, "api", [{ user_name: "nobody", permission_level: "CAN_QUERY" }])))).toEqual(
        invalid('There is no person named "nobody" to grant CAN_QUERY to.'),
      );
      expect(refusal(await apiError(grant(db(), p.alice, "api", [{ token_id: "tok_nope", permission_level: "CAN_QUERY" }])))).toEqual(
        invalid('There is no API token "tok_nope" to grant CAN_QUERY to.'),
      );
      expect(await db().select().from(servingEndpointGrants)).toEqual([]);
      expect((await stored()).audit).toEqual(["endpoint.create"]);
    });
  });
}
