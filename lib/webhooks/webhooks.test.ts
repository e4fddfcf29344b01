/**
 * Registry webhooks end to end in one process: MLflow's client requests (mlflow/store/model_registry/
 * rest_store.py create_webhook, list_webhooks, get_webhook, update_webhook, delete_webhook, test_webhook:
 * `message_to_json` of the proto, so enums by name) through the real dispatcher on a real database, the
 * outbox consumer and the sender delivering to a real HTTP receiver that checks MLflow's signature.
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { pruneDeliveries, pruneDeliveriesBeyond, recentDeliveries, recentDeliveriesOf } from "@/db/queries/webhooks";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { getConfig, type WebhookSettings } from "@/lib/config";
import { deliverEvents } from "@/lib/events/delivery";
import { principal, trackingClient, type Json } from "@/lib/tracking/testing";
import { webhooksConsumer } from "./consumer";
import { sendDueDeliveries } from "./deliver";
import { decryptSecret } from "./secret";

const PORT = 4751;
const SECRET = "whsec-test-0123456789";
const admin = principal("root", true);
const alice = principal("alice");

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The receiver: records every request; answers with the next scripted reply, else 200 "ok". */
const received: Received[] = [];
const script: { status: number; headers?: Record<string, string>; body?: string }[] = [];
let server: http.Server;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      const reply = script.shift() ?? { status: 200 };
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? (reply.status === 200 ? "ok" : "busy"));
    });
  });
  await new Promise<void>((resolve) => server.listen(PORT, "127.0.0.1", resolve));
  expect((server.address() as AddressInfo).port).toBe(PORT);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const settings = (): WebhookSettings => getConfig().webhooks;
beforeEach(() => {
  received.length = 0;
  script.length = 0;
  Object.assign(getConfig().webhooks, {
    allowedSchemes: ["https", "http"],
    allowPrivateIps: true,
    maxRetries: 3,
    requestTimeoutMs: 10_000,
  });
});

/** The receiver's check, written from MLflow's published algorithm (mlflow/webhooks/delivery.py). */
function verify(r: Received, secret: string): boolean {
  const id = String(r.headers["x-mlflow-delivery-id"]);
  const ts = String(r.headers["x-mlflow-timestamp"]);
  const expected = `v1,${createHmac("sha256", secret).update(`${id}.${ts}.${r.body}`).digest("base64")}`;
  return r.headers["x-mlflow-signature"] === expected;
}

const HOOK_URL = `http://127.0.0.1:${PORT}/hook`;
const RUN = "0123456789abcdef0123456789abcdef";

for (const kind of DB_KINDS) {
  describe(`registry webhooks (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok, fails } = trackingClient(db);
    let seq = 0;
    const unique = (p: string) => `${p}-${kind}-${++seq}`;

    async function createHook(body: Json = {}): Promise<Json> {
      const reply = await ok(
        call(
          "POST",
          "webhooks",
          {
            name: unique("hook"),
            url: HOOK_URL,
            events: [
              { entity: "REGISTERED_MODEL", action: "CREATED" },
              { entity: "MODEL_VERSION", action: "CREATED" },
            ],
            secret: SECRET,
            ...body,
          },
          admin,
        ),
      );
      return reply.webhook as Json;
    }

    /** Deletes every webhook, so deliveries seen come from the ones the test makes. */
    async function clearHooks() {
      for (const w of await db().query.webhooks.findMany()) await ok(call("DELETE", `webhooks/${w.id}`, {}, admin));
    }

    /** One pass of the events loop for this consumer, then the sender, at `at`. */
    async function pump(at = Date.now()) {
      await deliverEvents(db(), [webhooksConsumer], { backoffMs: () => 0 });
      return sendDueDeliveries(db(), settings(), () => at);
    }

    it("create, get, list (paged), update and delete answer MLflow's shapes; the secret is stored encrypted and never answered", async () => {
      // rest_store.create_webhook: CreateWebhook(name, url, events=[e.to_proto()], description, secret, status).
      const name = unique("ci");
      const created = await ok(
        call(
          "POST",
          "webhooks",
          {
            name,
            url: HOOK_URL,
            events: [{ entity: "MODEL_VERSION_ALIAS", action: "CREATED" }],
            description: "deploy on alias",
            secret: SECRET,
            status: "ACTIVE",
          },
          admin,
        ),
      );
      const hook = created.webhook as Json;
      expect(hook).toEqual({
        webhook_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        name,
        description: "deploy on alias",
        url: HOOK_URL,
        events: [{ entity: "MODEL_VERSION_ALIAS", action: "CREATED" }],
        status: "ACTIVE",
        creation_timestamp: expect.any(Number),
        last_updated_timestamp: hook.creation_timestamp,
      });
      const id = String(hook.webhook_id);
      const row = await db().query.webhooks.findFirst({ where: (w, { eq }) => eq(w.id, id) });
      expect(row?.secretEncrypted).toBeTruthy();
      expect(row?.secretEncrypted).not.toContain(SECRET);
      expect(decryptSecret(row?.secretEncrypted ?? "")).toBe(SECRET);

      // get_webhook: GET …/webhooks/{id}, the body's webhook_id as query.
      expect(await ok(call("GET", `webhooks/${id}`, { webhook_id: id }, admin))).toEqual({ webhook: hook });

      // update_webhook: PATCH …/webhooks/{id} with UpdateWebhook(webhook_id, status, …).
      const updated = (await ok(call("PATCH", `webhooks/${id}`, { webhook_id: id, status: "DISABLED", description: "" }, admin)))
        .webhook as Json;
      expect(updated.status).toBe("DISABLED");
      expect(updated).not.toHaveProperty("description");
      expect(updated.events).toEqual(hook.events);

      // list_webhooks: GET with max_results/page_token as query; newest first, MLflow's page token.
      await createHook();
      await createHook();
      const first = await ok(call("GET", "webhooks", { max_results: 2 }, admin));
      expect((first.webhooks as Json[]).length).toBe(2);
      expect(typeof first.next_page_token).toBe("string");
      const all: Json[] = [...(first.webhooks as Json[])];
      let token = first.next_page_token as string | undefined;
      while (token) {
        const page = await ok(call("GET", "webhooks", { max_results: 2, page_token: token }, admin));
        all.push(...((page.webhooks as Json[] | undefined) ?? []));
        token = page.next_page_token as string | undefined;
      }
      expect(all.map((w) => w.webhook_id)).toContain(id);
      expect(all.every((w) => !("secret" in w))).toBe(true);
      await fails(call("GET", "webhooks", { max_results: 0 }, admin), 400, "INVALID_PARAMETER_VALUE");
      await fails(call("GET", "webhooks", { page_token: "not-a-token" }, admin), 400, "INVALID_PARAMETER_VALUE");

      // delete_webhook: DELETE with the id in the body too; then it is gone.
      expect(await ok(call("DELETE", `webhooks/${id}`, { webhook_id: id }, admin))).toEqual({});
      await fails(call("GET", `webhooks/${id}`, {}, admin), 404, "RESOURCE_DOES_NOT_EXIST", `Webhook with ID ${id} not found.`);
      await fails(call("DELETE", `webhooks/${id}`, {}, admin), 404, "RESOURCE_DOES_NOT_EXIST");
    });

    it("only an admin may manage webhooks: everyone else gets 403 PERMISSION_DENIED and changes nothing", async () => {
      const hook = await createHook();
      const id = String(hook.webhook_id);
      const before = await db().query.webhooks.findMany();
      for (const [method, path, body] of [
        ["POST", "webhooks", { name: "x", url: HOOK_URL, events: [{ entity: "MODEL_VERSION", action: "CREATED" }] }],
        ["GET", "webhooks", {}],
        ["GET", `webhooks/${id}`, {}],
        ["PATCH", `webhooks/${id}`, { status: "DISABLED" }],
        ["DELETE", `webhooks/${id}`, {}],
        ["POST", `webhooks/${id}/test`, {}],
      ] as const) {
        await fails(call(method, path, body, alice), 403, "PERMISSION_DENIED", "Only an admin may manage webhooks.");
      }
      expect(await db().query.webhooks.findMany()).toEqual(before);
      expect(received).toEqual([]);
    });

    it("refuses bad input in MLflow's words: no events, a wrong entity/action pair, a scheme not allowed, a private address", async () => {
      const base = { name: "bad", url: HOOK_URL, events: [{ entity: "MODEL_VERSION", action: "CREATED" }] };
      const count = (await db().query.webhooks.findMany()).length;
      await fails(
        call("POST", "webhooks", { ...base, events: [] }, admin),
        400,
        "INVALID_PARAMETER_VALUE",
        "Webhook events cannot be empty",
      );
      await fails(
        call("POST", "webhooks", { ...base, events: [{ entity: "REGISTERED_MODEL", action: "DELETED" }] }, admin),
        400,
        "INVALID_PARAMETER_VALUE",
        `Invalid action 'deleted' for entity 'registered_model'. Valid actions are: ["created"]`,
      );
      await fails(call("POST", "webhooks", { ...base, name: " " }, admin), 400, "INVALID_PARAMETER_VALUE", "Webhook name cannot be empty");
      await fails(
        call("POST", "webhooks", { ...base, url: "ftp://example.com/x" }, admin),
        400,
        "INVALID_PARAMETER_VALUE",
        "Invalid webhook URL scheme: 'ftp'",
      );
      getConfig().webhooks.allowPrivateIps = false;
      for (const url of [
        HOOK_URL,
        `http://localhost:${PORT}/hook`,
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://10.1.2.3/x",
      ]) {
        await fails(call("POST", "webhooks", { ...base, url }, admin), 400, "INVALID_PARAMETER_VALUE", "not a public address");
      }
      getConfig().webhooks.allowedSchemes = ["https"];
      await fails(
        call("POST", "webhooks", { ...base, url: "http://example.com/x" }, admin),
        400,
        "INVALID_PARAMETER_VALUE",
        "Allowed schemes: https",
      );
      expect((await db().query.webhooks.findMany()).length).toBe(count);
    });

    it("delivers each subscribed event once, with MLflow's body and headers, and a signature the receiver verifies", async () => {
      await clearHooks();
      const hook = await createHook();
      await pump(); // Events from before this test reach nobody new.
      received.length = 0;
      const name = unique("model");
      await ok(call("POST", "registered-models/create", { name }, alice));
      await ok(call("POST", "model-versions/create", { name, source: `runs:/${RUN}/model`, run_id: RUN }, alice));
      // Not subscribed: an alias.
      await ok(call("POST", "registered-models/alias", { name, alias: "champion", version: "1" }, alice));
      // Two consumers' passes and two senders at the same moment (two replicas): still once each.
      await Promise.all([
        deliverEvents(db(), [webhooksConsumer], { backoffMs: () => 0 }),
        deliverEvents(db(), [webhooksConsumer], { backoffMs: () => 0 }),
      ]);
      await Promise.all([sendDueDeliveries(db(), settings()), sendDueDeliveries(db(), settings())]);
      await pump();
      await pump();
      // Sent side by side, so in no promised order (as MLflow's thread pool): sorted by entity.
      const mine = received.filter((r) => r.body.includes(`"${name}"`)).sort((a, b) => a.body.localeCompare(b.body));
      expect(mine.map((r) => (JSON.parse(r.body) as Json).entity)).toEqual(["model_version", "registered_model"]);
      for (const r of mine) {
        expect(verify(r, SECRET)).toBe(true);
        expect(verify(r, "another-secret")).toBe(false);
        expect(r.headers["content-type"]).toBe("application/json");
        expect(r.headers["x-mlflow-delivery-id"]).toMatch(/^[0-9a-f-]{36}$/);
        expect(r.headers["x-mlflow-timestamp"]).toMatch(/^\d{10}$/);
      }
      const [version, model] = mine;
      // json.dumps's separators and Python's isoformat, as MLflow's body.
      expect(model?.body).toMatch(
        /^\{"entity": "registered_model", "action": "created", "timestamp": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", "data": \{/,
      );
      expect((JSON.parse(version?.body ?? "{}") as Json).data).toEqual({
        name,
        version: "1",
        source: `runs:/${RUN}/model`,
        run_id: RUN,
        tags: {},
        description: null,
      });
      const rows = await recentDeliveries(db(), String(hook.webhook_id), 10);
      expect(rows.filter((r) => r.body.includes(`"${name}"`)).map((r) => [r.attempt, r.statusCode, r.responseSnippet])).toEqual([
        [1, 200, "ok"],
        [1, 200, "ok"],
      ]);
    });

    it("a disabled webhook gets nothing; a webhook without a secret gets no signature", async () => {
      const off = await createHook({ status: "DISABLED" });
      const plain = await createHook({ secret: undefined });
      await pump();
      received.length = 0;
      const name = unique("model");
      await ok(call("POST", "registered-models/create", { name }, alice));
      await pump();
      const mine = received.filter((r) => r.body.includes(`"${name}"`));
      expect(mine.length).toBe(
        1 + (await db().query.webhooks.findMany()).filter((w) => w.status === "ACTIVE" && w.id !== plain.webhook_id).length,
      );
      expect(mine.some((r) => r.headers["x-mlflow-signature"] === undefined)).toBe(true);
      expect(await recentDeliveries(db(), String(off.webhook_id), 10)).toEqual([]);
      await ok(call("DELETE", `webhooks/${String(off.webhook_id)}`, {}, admin));
      await ok(call("DELETE", `webhooks/${String(plain.webhook_id)}`, {}, admin));
    });

    it("retries a 503 with backoff and then succeeds, same delivery id; honours Retry-After on a 429", async () => {
      // Only this test's webhook from here on.
      await clearHooks();
      const hook = await createHook();
      await pump();
      received.length = 0;
      script.push({ status: 503 });
      const name = unique("model");
      await ok(call("POST", "registered-models/create", { name }, alice));
      const t0 = Date.now() + 50;
      await pump(t0);
      expect(received.length).toBe(1);
      await pump(t0 + 500); // Backoff (1 s) not yet over.
      expect(received.length).toBe(1);
      await pump(t0 + 1500);
      expect(received.length).toBe(2);
      expect(received[1]?.headers["x-mlflow-delivery-id"]).toBe(received[0]?.headers["x-mlflow-delivery-id"]);
      expect(received[1]?.body).toBe(received[0]?.body);
      expect(verify(received[1] as Received, SECRET)).toBe(true);
      let rows = await recentDeliveries(db(), String(hook.webhook_id), 10);
      expect(rows.map((r) => [r.attempt, r.statusCode])).toEqual([
        [2, 200],
        [1, 503],
      ]);

      received.length = 0;
      script.push({ status: 429, headers: { "Retry-After": "120" } });
      await ok(call("POST", "registered-models/create", { name: unique("model") }, alice));
      const t1 = Date.now() + 50;
      await pump(t1);
      await pump(t1 + 60_000); // Past the backoff, not past Retry-After.
      expect(received.length).toBe(1);
      await pump(t1 + 121_000);
      expect(received.length).toBe(2);
      rows = await recentDeliveries(db(), String(hook.webhook_id), 2);
      expect(rows.map((r) => [r.attempt, r.statusCode])).toEqual([
        [2, 200],
        [1, 429],
      ]);

      // Finished attempts past retention are pruned; one still queued is kept.
      script.push({ status: 503 });
      await ok(call("POST", "registered-models/create", { name: unique("model") }, alice));
      await pump(Date.now() + 50);
      const queued = (await recentDeliveries(db(), String(hook.webhook_id), 1))[0];
      expect(queued?.finishedAt).toBeNull();
      expect(await pruneDeliveries(db(), new Date(Date.now() + 60_000), 10_000)).toBeGreaterThanOrEqual(5);
      expect((await recentDeliveries(db(), String(hook.webhook_id), 10)).map((r) => r.id)).toEqual([queued?.id]);
    });

    it("gives up after MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES retries", async () => {
      await clearHooks();
      getConfig().webhooks.maxRetries = 1;
      const hook = await createHook();
      await pump();
      received.length = 0;
      script.push({ status: 500 }, { status: 500 }, { status: 500 });
      await ok(call("POST", "registered-models/create", { name: unique("model") }, alice));
      const t0 = Date.now() + 50;
      for (let i = 0; i < 4; i++) await pump(t0 + i * 70_000);
      expect(received.length).toBe(2);
      const rows = await recentDeliveries(db(), String(hook.webhook_id), 10);
      expect(rows.map((r) => [r.attempt, r.statusCode])).toEqual([
        [2, 500],
        [1, 500],
      ]);
    });

    it("refuses at send time an address that became private (DNS rebinding), without retrying", async () => {
      await clearHooks();
      // Saved while allowed; then the switch is off, as for a name that now resolves to 127.0.0.1.
      const literal = await createHook();
      const named = await createHook({ url: `http://localhost:${PORT}/hook` });
      await pump();
      received.length = 0;
      getConfig().webhooks.allowPrivateIps = false;
      await ok(call("POST", "registered-models/create", { name: unique("model") }, alice));
      const t0 = Date.now() + 50;
      await pump(t0);
      await pump(t0 + 70_000);
      expect(received).toEqual([]);
      for (const hook of [literal, named]) {
        const rows = await recentDeliveries(db(), String(hook.webhook_id), 10);
        expect(rows.length).toBe(1);
        expect(rows[0]?.statusCode).toBeNull();
        expect(rows[0]?.error).toContain("not a public address");
      }
    });

    it("…/test sends MLflow's example payload now and answers its test result", async () => {
      const hook = await createHook();
      const id = String(hook.webhook_id);
      // rest_store.test_webhook: POST …/webhooks/{id}/test with TestWebhook(webhook_id, event).
      expect(await ok(call("POST", `webhooks/${id}/test`, { webhook_id: id }, admin))).toEqual({
        result: { success: true, response_status: 200, response_body: "ok" },
      });
      const sent = received.at(-1) as Received;
      expect(verify(sent, SECRET)).toBe(true);
      expect(JSON.parse(sent.body)).toMatchObject({
        entity: "registered_model",
        action: "created",
        data: { name: "example_model", tags: { example_key: "example_value" }, description: "An example registered model" },
      });
      script.push({ status: 503 });
      expect(
        await ok(call("POST", `webhooks/${id}/test`, { webhook_id: id, event: { entity: "MODEL_VERSION", action: "CREATED" } }, admin)),
      ).toEqual({
        result: { success: false, response_status: 503, response_body: "busy" },
      });
      expect((JSON.parse(received.at(-1)?.body ?? "{}") as Json).entity).toBe("model_version");
      // A long answer is kept to its first 4 KiB.
      script.push({ status: 200, body: "x".repeat(100_000) });
      const long = (await ok(call("POST", `webhooks/${id}/test`, {}, admin))).result as Json;
      expect(long).toEqual({ success: true, response_status: 200, response_body: "x".repeat(4096) });
      getConfig().webhooks.allowPrivateIps = false;
      const refused = (await ok(call("POST", `webhooks/${id}/test`, {}, admin))).result as Json;
      expect(refused.success).toBe(false);
      expect(String(refused.error_message)).toMatch(/^Failed to test webhook: .*not a public address/);
    });

    it("keeps each webhook's newest finished attempts beyond the count cap, and lists the newest per webhook", async () => {
      await clearHooks();
      const a = String((await createHook()).webhook_id);
      const b = String((await createHook()).webhook_id);
      for (let i = 0; i < 5; i++) await ok(call("POST", `webhooks/${a}/test`, {}, admin));
      await ok(call("POST", `webhooks/${b}/test`, {}, admin));
      script.push({ status: 503 }, { status: 503 });
      await ok(call("POST", "registered-models/create", { name: unique("model") }, alice));
      await pump(Date.now() + 50); // a's and b's attempt 1 fail; attempt 2 of each is queued, unfinished.
      const before = await recentDeliveriesOf(db(), [a, b], 3);
      expect(before.filter((r) => r.webhookId === a)).toHaveLength(3);
      expect(before.filter((r) => r.webhookId === b)).toHaveLength(3);
      expect(before.map((r) => r.id)).toEqual([...before.map((r) => r.id)].sort((x, y) => y - x));
      // a: 5 tests + 1 failed attempt finished, 1 queued; b: 1 test + 1 failed finished, 1 queued. Keep 2 finished each.
      expect(await pruneDeliveriesBeyond(db(), 2, 10_000)).toBe(4);
      const left = await recentDeliveries(db(), a, 10);
      expect(left.filter((r) => r.finishedAt !== null)).toHaveLength(2);
      expect(left.filter((r) => r.finishedAt === null)).toHaveLength(1);
      expect(await recentDeliveries(db(), b, 10)).toHaveLength(3);
    });
  });
}
