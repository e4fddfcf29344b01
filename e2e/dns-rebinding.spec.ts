import { expect, test } from "@playwright/test";
import { openWebSocket } from "../lib/proxy/ws-test-client";
import { asBootstrap } from "./support/api";
import { BOOTSTRAP_TOKEN, PORTS } from "./support/env";
import { hostRequest, setCookies, type RawResponse } from "./support/host-request";

/**
 * DNS rebinding against the development portal (`npm run up` on a laptop): a page on
 * `rebind.attacker.example`, whose name then resolves to 127.0.0.1, is same-origin with the portal as far
 * as the browser knows, and every request it sends says `Host: rebind.attacker.example:<port>`. It plays
 * the whole attack a page could: the development sign-in as `admin`, an admin token minted with the
 * session, an API write, a WebSocket. Every step answers 421 under the forged name, while the same steps
 * under the portal's own names (localhost, 127.0.0.1, and host.docker.internal, which notebooks use)
 * still work.
 */
const PORT = PORTS.dev;
const FORGED = `rebind.attacker.example:${PORT}`;

/** The development sign-in exactly as the sign-in page's form does it, under the Host `host`. */
async function devSignInAs(host: string, name: string): Promise<{ csrf: RawResponse; signIn?: RawResponse; session?: string }> {
  const csrf = await hostRequest(PORT, host, "/api/auth/csrf", { headers: { "sec-fetch-site": "same-origin" } });
  if (csrf.status !== 200) return { csrf };
  const { csrfToken } = JSON.parse(csrf.body) as { csrfToken: string };
  const csrfCookie = setCookies(csrf).get("authjs.csrf-token")?.value ?? "";
  const signIn = await hostRequest(PORT, host, "/api/auth/callback/dev", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: `http://${host}`,
      "sec-fetch-site": "same-origin",
      cookie: `authjs.csrf-token=${csrfCookie}`,
    },
    body: new URLSearchParams({ username: name, csrfToken, callbackUrl: `http://${host}/` }).toString(),
  });
  return { csrf, signIn, session: setCookies(signIn).get("authjs.session-token")?.value };
}

function expectMisdirected(res: RawResponse): void {
  expect(res.status, res.body).toBe(421);
  expect(JSON.parse(res.body)).toEqual({
    error: "misdirected_request",
    message: `This portal does not answer to the host name "${FORGED}": open it at its own address, or ask its operator to add the name to ATRIUM_ALLOWED_HOSTS.`,
  });
}

test("a page on a rebound name gets 421 for the sign-in, a token, an API write and a WebSocket", async ({ request }) => {
  // The sign-in as admin, step by step as the attacker's page would run it.
  const attack = await devSignInAs(FORGED, "admin");
  expectMisdirected(attack.csrf);
  const direct = await hostRequest(PORT, FORGED, "/api/auth/callback/dev", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: `http://${FORGED}`, "sec-fetch-site": "same-origin" },
    body: "username=admin",
  });
  expectMisdirected(direct);
  expect(setCookies(direct).has("authjs.session-token")).toBe(false);

  // The same flow under the portal's own name signs in: the attack above is the real one, refused by its Host only.
  const own = await devSignInAs(`localhost:${PORT}`, "admin");
  expect(own.signIn?.status).toBe(302);
  expect(own.session).toBeTruthy();
  const session = `authjs.session-token=${own.session}`;
  const mintHeaders = { cookie: session, "content-type": "application/json", origin: `http://${FORGED}`, "sec-fetch-site": "same-origin" };
  expectMisdirected(await hostRequest(PORT, FORGED, "/api/users/admin/tokens", { method: "POST", headers: mintHeaders, body: "{}" }));
  expectMisdirected(await hostRequest(PORT, FORGED, "/api/me", { headers: { cookie: session } }));

  // An API write with a bearer token changes nothing under the forged name.
  const experiment = `rebound-${Date.now()}`;
  const write = await hostRequest(PORT, FORGED, "/api/2.0/mlflow/experiments/create", {
    method: "POST",
    headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name: experiment }),
  });
  expectMisdirected(write);
  const lookup = await request.get(`http://127.0.0.1:${PORT}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${experiment}`, {
    headers: asBootstrap,
  });
  expect(lookup.status()).toBe(404);

  // A WebSocket: refused with 421 before the workspace proxy or Next sees it; under the portal's name
  // the proxy answers for itself (the server is not running).
  const channels = `http://127.0.0.1:${PORT}/user/admin/rebound/api/kernels/k1/channels`;
  const auth = { Authorization: `Bearer ${BOOTSTRAP_TOKEN}` };
  const forgedWs = await openWebSocket(channels, { ...auth, Host: FORGED, Origin: `http://${FORGED}` });
  expect(forgedWs.upgraded ? 101 : [forgedWs.status, JSON.parse(forgedWs.body)]).toEqual([
    421,
    expect.objectContaining({ error: "misdirected_request" }),
  ]);
  const ownWs = await openWebSocket(channels, { ...auth, Host: `localhost:${PORT}`, Origin: `http://localhost:${PORT}` });
  expect(ownWs.status).toBe(503);
});

test("the portal's own names keep working: localhost, 127.0.0.1 and host.docker.internal", async () => {
  for (const host of [`localhost:${PORT}`, `127.0.0.1:${PORT}`, `host.docker.internal:${PORT}`]) {
    const me = await hostRequest(PORT, host, "/api/me", { headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}` } });
    expect(me.status, `${host}: ${me.body}`).toBe(200);
    // MLflow clients in notebooks come through host.docker.internal with their token.
    const search = await hostRequest(PORT, host, "/api/2.0/mlflow/experiments/search", {
      method: "POST",
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ max_results: 1 }),
    });
    expect(search.status, `${host}: ${search.body}`).toBe(200);
  }
  // A browser that opens the wrong name reads one sentence, not JSON.
  const page = await hostRequest(PORT, FORGED, "/", { headers: { accept: "text/html" } });
  expect([page.status, page.headers["content-type"]]).toEqual([421, "text/html; charset=utf-8"]);
  expect(page.body).toContain("does not answer to the host name");
});
