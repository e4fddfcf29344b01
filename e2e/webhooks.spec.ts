import { createHmac } from "node:crypto";
import http from "node:http";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { asBootstrap, bearer, userWithToken } from "./support/api";
import { devSignIn, visit } from "./support/browser";
import { ensureDatabase, resetDatabase } from "./support/database";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, E2E_DATABASE_URL, extraPort, localUrl } from "./support/env";
import { startPortal, type RunningPortal } from "./support/portal";
import { screenshot } from "./support/screens";

/**
 * Registry webhooks with the built portal (docs/webhooks.md): two replicas on one Postgres of their own, a
 * receiver in this process that verifies X-MLflow-Signature with MLflow's published algorithm
 * (mlflow/webhooks/delivery.py: base64 HMAC-SHA256 of "{delivery_id}.{timestamp}.{body}", "v1," in front),
 * every registry event seen once whichever replica wrote it, the leader killed with SIGKILL while a delivery
 * is in flight (the new leader sends it again with the same delivery id once the lease runs out, nothing
 * else twice), and a restarted replica. Then the admin page with those deliveries, at 1440 and 390 px.
 */
const REPLICA_DB = E2E_DATABASE_URL.replace(/atrium_e2e(\w*)$/, "atrium_e2e_replicas$1");
const A_URL = localUrl(extraPort(6));
const B_URL = localUrl(extraPort(7));
/** The receiver: a port in this run's range (E2E_PORT_BASE + 60). */
const RECEIVER_PORT = Number(process.env.E2E_PORT_BASE ?? 3300) + 60;
const HOOK_URL = `http://127.0.0.1:${RECEIVER_PORT}/hook`;
const SECRET = "e2e-webhook-secret-0123456789";
/** Seconds a delivery attempt may take; the lease a dead sender leaves is twice this plus 30 s. */
const REQUEST_TIMEOUT_S = 8;

interface Delivery {
  deliveryId: string;
  timestamp: string;
  signatureOk: boolean;
  body: { entity: string; action: string; timestamp: string; data: Record<string, unknown> };
}

/** MLflow's documented receiver check. */
function verifySignature(secret: string, deliveryId: string, timestamp: string, body: string, signature: string | undefined): boolean {
  const expected = `v1,${createHmac("sha256", secret).update(`${deliveryId}.${timestamp}.${body}`).digest("base64")}`;
  return signature === expected;
}

/** Records every request; a delivery about a model whose name starts with "held-" is left unanswered once. */
function startReceiver() {
  const seen: Delivery[] = [];
  let held: ((d: Delivery) => void) | undefined;
  const heldSeen = new Promise<Delivery>((resolve) => (held = resolve));
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= 1_000_000) chunks.push(c);
    });
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const deliveryId = String(req.headers["x-mlflow-delivery-id"]);
      const timestamp = String(req.headers["x-mlflow-timestamp"]);
      const signature = req.headers["x-mlflow-signature"];
      const d: Delivery = {
        deliveryId,
        timestamp,
        signatureOk: verifySignature(SECRET, deliveryId, timestamp, raw, typeof signature === "string" ? signature : undefined),
        body: JSON.parse(raw) as Delivery["body"],
      };
      seen.push(d);
      if (held && String(d.body.data.name).startsWith("held-")) {
        const release = held;
        held = undefined;
        release(d); // No answer: the sender is killed while it waits.
        return;
      }
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`received ${d.body.entity}.${d.body.action}`);
    });
  });
  return {
    seen,
    heldSeen,
    listen: () => new Promise<void>((resolve) => server.listen(RECEIVER_PORT, "127.0.0.1", resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What an event is about, so the same event under two delivery ids would show as a duplicate. */
const eventKey = (d: Delivery) => {
  const { name, version, alias, key } = d.body.data as Record<string, string | undefined>;
  return `${d.body.entity}.${d.body.action} ${name}${version ? `/${version}` : ""}${alias ? `@${alias}` : ""}${key ? `#${key}` : ""}`;
};

async function mlflow(request: APIRequestContext, base: string, token: string, method: string, op: string, data: object) {
  const res = await request.fetch(`${base}/api/2.0/mlflow/${op}`, { method, headers: bearer(token), data });
  expect(res.status(), `${method} ${op}: ${await res.text()}`).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

/** The five events one model's life here makes, written alternately through `first` and `second`. */
async function modelLife(request: APIRequestContext, token: string, name: string, first: string, second: string): Promise<string[]> {
  await mlflow(request, first, token, "POST", "registered-models/create", { name });
  await mlflow(request, second, token, "POST", "model-versions/create", { name, source: `s3://models/${name}/1` });
  await mlflow(request, first, token, "POST", "registered-models/alias", { name, alias: "champion", version: "1" });
  await mlflow(request, second, token, "POST", "model-versions/set-tag", { name, version: "1", key: "validated", value: "yes" });
  await mlflow(request, first, token, "DELETE", "model-versions/delete-tag", { name, version: "1", key: "validated" });
  return [
    `registered_model.created ${name}`,
    `model_version.created ${name}/1`,
    `model_version_alias.created ${name}/1@champion`,
    `model_version_tag.set ${name}/1#validated`,
    `model_version_tag.deleted ${name}/1#validated`,
  ];
}

/** The events delivered, one per delivery id, sorted; each delivery id must carry one event only. */
function deliveredEvents(seen: Delivery[]): string[] {
  const byId = new Map<string, string>();
  for (const d of seen) {
    const key = eventKey(d);
    expect(byId.get(d.deliveryId) ?? key, `delivery ${d.deliveryId} carried two events`).toBe(key);
    byId.set(d.deliveryId, key);
  }
  return [...byId.values()].sort();
}

test.describe.configure({ timeout: 420_000 });

test("webhooks: every event once across two replicas, a leader killed mid-delivery and a restart; the admin page shows them", async ({
  request,
  page,
}) => {
  await ensureDatabase(REPLICA_DB);
  await resetDatabase(REPLICA_DB);
  const receiver = startReceiver();
  await receiver.listen();
  const common = {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    DATABASE_URL: REPLICA_DB,
    ATRIUM_EVENTS_TICK_S: "1",
    MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: "true",
    MLFLOW_WEBHOOK_ALLOWED_SCHEMES: "http,https",
    MLFLOW_WEBHOOK_REQUEST_TIMEOUT: String(REQUEST_TIMEOUT_S),
  };
  const portals: RunningPortal[] = [];
  try {
    const a = await startPortal("webhooks-a", extraPort(6), { ...common, ATRIUM_PUBLIC_URL: A_URL });
    portals.push(a);
    const b = await startPortal("webhooks-b", extraPort(7), { ...common, ATRIUM_PUBLIC_URL: B_URL });
    portals.push(b);
    const leader = async (base: string) =>
      ((await (await request.get(`${base}/api/health`)).json()) as { replica: { leader: boolean } }).replica.leader;
    await expect.poll(() => leader(A_URL), { timeout: 30_000 }).toBe(true);

    // MLflow's client: create_webhook(name, url, events, secret) — admin only.
    const created = await request.post(`${A_URL}/api/2.0/mlflow/webhooks`, {
      headers: asBootstrap,
      data: {
        name: "deploy-on-change",
        url: HOOK_URL,
        description: "Tells CI a version or an alias changed.",
        secret: SECRET,
        events: [
          { entity: "REGISTERED_MODEL", action: "CREATED" },
          { entity: "MODEL_VERSION", action: "CREATED" },
          { entity: "MODEL_VERSION_ALIAS", action: "CREATED" },
          { entity: "MODEL_VERSION_TAG", action: "SET" },
          { entity: "MODEL_VERSION_TAG", action: "DELETED" },
        ],
      },
    });
    expect(created.status(), await created.text()).toBe(200);
    const webhookId = ((await created.json()) as { webhook: { webhook_id: string } }).webhook.webhook_id;
    const user = await userWithToken(request, A_URL, "wh-user");

    // 1. Both replicas take requests; the leader (A) delivers each event once, whichever replica wrote it.
    const expected = [
      ...(await modelLife(request, user, "churn", A_URL, B_URL)),
      ...(await modelLife(request, user, "fraud", B_URL, A_URL)),
    ];
    await expect.poll(() => deliveredEvents(receiver.seen), { timeout: 60_000 }).toEqual([...expected].sort());
    expect(receiver.seen).toHaveLength(expected.length);
    expect(receiver.seen.every((d) => d.signatureOk)).toBe(true);

    // 2. The leader is killed while the receiver has its request and has not answered.
    await mlflow(request, B_URL, user, "POST", "registered-models/create", { name: "held-model" });
    expected.push("registered_model.created held-model");
    const held = await receiver.heldSeen;
    await a.stop("SIGKILL");
    const killedAt = Date.now();
    // Written while there is no leader: queued with the events, delivered by the next one.
    expected.push(...(await modelLife(request, user, "after-kill", B_URL, B_URL)));
    await expect.poll(() => leader(B_URL), { timeout: 60_000, intervals: [500] }).toBe(true);
    // The dead sender's lease (2 × timeout + 30 s) runs out; B sends the held delivery again, same id.
    await expect
      .poll(() => receiver.seen.filter((d) => d.deliveryId === held.deliveryId).length, { timeout: 120_000, intervals: [1000] })
      .toBe(2);
    console.log(`[webhooks] the held delivery was sent again ${Date.now() - killedAt} ms after its sender was killed`);
    await expect.poll(() => deliveredEvents(receiver.seen), { timeout: 60_000 }).toEqual([...expected].sort());

    // 3. A comes back as a follower; what it writes is delivered once by B.
    const a2 = await startPortal("webhooks-a-restarted", extraPort(6), { ...common, ATRIUM_PUBLIC_URL: A_URL });
    portals.push(a2);
    expected.push(...(await modelLife(request, user, "after-restart", A_URL, B_URL)));
    await expect.poll(() => deliveredEvents(receiver.seen), { timeout: 60_000 }).toEqual([...expected].sort());
    // Settle: nothing more arrives, and only the held delivery was ever sent twice.
    await new Promise((r) => setTimeout(r, 5_000));
    const counts = new Map<string, number>();
    for (const d of receiver.seen) counts.set(d.deliveryId, (counts.get(d.deliveryId) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([[held.deliveryId, 2]]);
    expect(counts.size).toBe(expected.length);
    expect(receiver.seen.every((d) => d.signatureOk)).toBe(true);
    // The body is MLflow's: entity, action, an ISO timestamp with +00:00, the payload.
    const versionCreated = receiver.seen.find((d) => eventKey(d) === "model_version.created churn/1");
    expect(versionCreated?.body).toEqual({
      entity: "model_version",
      action: "created",
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/),
      data: { name: "churn", version: "1", source: "s3://models/churn/1", run_id: null, tags: {}, description: null },
    });

    // 4. The admin page, on B: the deliveries with their outcome; a test and a disable from the buttons.
    await userWithToken(request, B_URL, "wh-admin", "admin");
    await page.setViewportSize({ width: 1440, height: 900 });
    await devSignIn(page, B_URL, "wh-admin");
    await visit(page, `${B_URL}/admin/webhooks`);
    const card = page.locator(`[data-testid="webhook"][data-webhook-id="${webhookId}"]`);
    await expect(card.getByRole("heading", { name: /deploy-on-change/ })).toBeVisible();
    await expect(card.getByTestId("webhook-status")).toHaveText("active");
    const rows = card.getByTestId("webhook-delivery");
    await expect(rows.first()).toBeVisible();
    await expect(card.locator('[data-testid="webhook-delivery"][data-state="delivered"]').first()).toContainText("200");
    await expect(card.locator(`[data-delivery-id="${held.deliveryId}"]`).first()).toBeVisible();
    const before = receiver.seen.length;
    await card.getByTestId("webhook-test").click();
    await expect(card.getByTestId("webhook-notice")).toHaveText("Test delivered: the receiver answered 200.");
    expect(receiver.seen.length).toBe(before + 1);
    expect(receiver.seen.at(-1)?.signatureOk).toBe(true);
    await expect(card.locator('[data-testid="webhook-delivery"]').first()).toContainText("test");
    await screenshot(page, "admin-webhooks-1440");
    await page.setViewportSize({ width: 390, height: 844 });
    await visit(page, `${B_URL}/admin/webhooks`);
    await expect(card.getByTestId("webhook-status")).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, "admin-webhooks-390");
    await page.setViewportSize({ width: 1440, height: 900 });
    await card.getByTestId("webhook-toggle").click();
    await expect(card.getByTestId("webhook-status")).toHaveText("disabled");
    // A disabled webhook gets nothing.
    const quiet = receiver.seen.length;
    await mlflow(request, A_URL, user, "POST", "registered-models/create", { name: "while-disabled" });
    await new Promise((r) => setTimeout(r, 5_000));
    expect(receiver.seen.length).toBe(quiet);
    await card.getByTestId("webhook-toggle").click();
    await expect(card.getByTestId("webhook-status")).toHaveText("active");
  } finally {
    await Promise.all(portals.map((p) => p.stop()));
    await receiver.close();
  }
});
