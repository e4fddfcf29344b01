import { expect, test } from "@playwright/test";
import postgres from "postgres";
import { hashToken } from "../lib/auth/tokens";
import { asBootstrap, bearer, errorCode, userWithToken } from "./support/api";
import { E2E_DATABASE_URL, PORTALS, SSO_URL } from "./support/env";

for (const portal of PORTALS) {
  test.describe(`API on ${portal.name}`, () => {
    const base = portal.url;
    const tag = portal.name.startsWith("postgres") ? "pg" : "pgl";

    test("health answers without credentials", async ({ request }) => {
      const res = await request.get(`${base}/api/health`);
      expect(res.status()).toBe(200);
      expect(await res.json()).toMatchObject({ status: "ok", db: "ok" });
    });

    test("anonymous callers get 401 and a bad token is not a session", async ({ request }) => {
      for (const path of ["/api/me", "/api/users", "/api/roles", "/api/users/x/tokens"]) {
        const res = await request.get(`${base}${path}`);
        expect(res.status(), path).toBe(401);
        expect(await errorCode(res)).toBe("unauthorized");
      }
      const bad = await request.get(`${base}/api/me`, { headers: bearer("atr_not-a-real-token") });
      expect(bad.status()).toBe(401);
    });

    test("the MLflow API refuses in MLflow's format: anonymous, a token without the mlflow scope, a forged cookie request", async ({
      request,
    }) => {
      const mlflowError = async (res: { status(): number; json(): Promise<unknown> }) => {
        const body = (await res.json()) as { error_code?: unknown; message?: unknown };
        expect(typeof body.message, JSON.stringify(body)).toBe("string");
        return [res.status(), body.error_code];
      };
      for (const prefix of ["/api/2.0/mlflow", "/ajax-api/2.0/mlflow"]) {
        expect(await mlflowError(await request.get(`${base}${prefix}/experiments/search?max_results=1`))).toEqual([401, "UNAUTHENTICATED"]);
      }
      const owner = `api-mlf-${tag}`;
      await userWithToken(request, base, owner);
      const made = await request.post(`${base}/api/users/${owner}/tokens`, {
        headers: asBootstrap,
        data: { note: "packages only", scopes: ["packages:read"] },
      });
      const narrow = ((await made.json()) as { token: string }).token;
      const refused = await request.post(`${base}/api/2.0/mlflow/experiments/create`, {
        headers: bearer(narrow),
        data: { name: `api-mlf-${tag}-x` },
      });
      expect(await mlflowError(refused)).toEqual([403, "PERMISSION_DENIED"]);
      const bad = await request.post(`${base}/api/2.0/mlflow/runs/search`, { headers: bearer("atr_not-a-real-token"), data: {} });
      expect(await mlflowError(bad)).toEqual([401, "UNAUTHENTICATED"]);
    });

    test("the bootstrap token is an admin", async ({ request }) => {
      const res = await request.get(`${base}/api/me`, { headers: asBootstrap });
      expect(res.status()).toBe(200);
      expect(await res.json()).toMatchObject({ role: "admin", admin: true, limits: { maxCpu: 16, maxMemGb: 64, maxServers: 5 } });
    });

    test("tokens are shown once, work as Bearer and as 'token', and revoke", async ({ request }) => {
      const name = `tok-${tag}`;
      const token = await userWithToken(request, base, name);
      expect(token).toMatch(/^atr_/);
      for (const header of [`Bearer ${token}`, `token ${token}`]) {
        const me = await request.get(`${base}/api/me`, { headers: { authorization: header } });
        expect(me.status()).toBe(200);
        expect(await me.json()).toMatchObject({
          name,
          role: "user",
          admin: false,
          limits: { maxCpu: 2, maxMemGb: 4, maxServers: 1 },
          usage: { servers: 0 },
        });
      }
      const list = await request.get(`${base}/api/users/${name}/tokens`, { headers: bearer(token) });
      const tokens = (await list.json()) as { id: string; lastUsedAt: string | null }[];
      expect(tokens).toHaveLength(1);
      expect(JSON.stringify(tokens)).not.toContain(token);
      expect(tokens[0]?.lastUsedAt).not.toBeNull();
      const del = await request.delete(`${base}/api/users/${name}/tokens/${tokens[0]?.id}`, { headers: bearer(token) });
      expect(del.status()).toBe(204);
      expect((await request.get(`${base}/api/me`, { headers: bearer(token) })).status()).toBe(401);
    });

    test("plain users are refused the admin API and other people's tokens", async ({ request }) => {
      const token = await userWithToken(request, base, `plain-${tag}`);
      const h = bearer(token);
      const refused = [
        request.get(`${base}/api/users`, { headers: h }),
        request.post(`${base}/api/users`, { headers: h, data: { name: "mallory", role: "admin" } }),
        request.get(`${base}/api/users/plain-${tag}`, { headers: h }),
        request.patch(`${base}/api/users/plain-${tag}`, { headers: h, data: { role: "admin" } }),
        request.delete(`${base}/api/users/plain-${tag}`, { headers: h }),
        request.put(`${base}/api/roles/user`, { headers: h, data: { maxCpu: 99, maxMemGb: 99, maxServers: 9 } }),
        request.post(`${base}/api/users/admin/tokens`, { headers: h, data: {} }),
        request.get(`${base}/api/users/admin/tokens`, { headers: h }),
      ];
      for (const res of await Promise.all(refused)) {
        expect(res.status(), res.url()).toBe(403);
        expect(await errorCode(res)).toBe("forbidden");
      }
      const me = await (await request.get(`${base}/api/me`, { headers: h })).json();
      expect(me).toMatchObject({ role: "user" });
      expect((await request.get(`${base}/api/users/mallory`, { headers: asBootstrap })).status()).toBe(404);
    });

    test("bad input is a 400 with one sentence and changes nothing", async ({ request }) => {
      const name = `victim-${tag}`;
      await userWithToken(request, base, name);
      const cases: { res: Promise<import("@playwright/test").APIResponse>; code: string }[] = [
        {
          res: request.post(`${base}/api/users`, {
            headers: { ...asBootstrap, "content-type": "application/json" },
            data: Buffer.from("{not json"),
          }),
          code: "invalid_json",
        },
        {
          res: request.post(`${base}/api/users`, { headers: asBootstrap, data: { name: "Bad Name!", role: "user" } }),
          code: "invalid_request",
        },
        { res: request.post(`${base}/api/users`, { headers: asBootstrap, data: { name: 42, role: "user" } }), code: "invalid_request" },
        {
          res: request.post(`${base}/api/users`, { headers: asBootstrap, data: { name: "ok-name", role: "wizard" } }),
          code: "unknown_role",
        },
        { res: request.get(`${base}/api/users/BAD%20NAME`, { headers: asBootstrap }), code: "invalid_path" },
        { res: request.get(`${base}/api/users?limit=0`, { headers: asBootstrap }), code: "invalid_request" },
        { res: request.get(`${base}/api/users?offset=-1`, { headers: asBootstrap }), code: "invalid_request" },
        {
          res: request.patch(`${base}/api/users/${name}`, { headers: asBootstrap, data: { role: "power", limits: { maxCpu: -1 } } }),
          code: "invalid_request",
        },
        { res: request.patch(`${base}/api/users/${name}`, { headers: asBootstrap, data: { role: "wizard" } }), code: "unknown_role" },
        {
          res: request.patch(`${base}/api/users/${name}`, { headers: asBootstrap, data: { limits: { maxServers: 1.5 } } }),
          code: "invalid_request",
        },
        { res: request.patch(`${base}/api/users/${name}`, { headers: asBootstrap, data: { colour: "blue" } }), code: "invalid_request" },
        {
          res: request.put(`${base}/api/roles/user`, { headers: asBootstrap, data: { maxCpu: "two", maxMemGb: 4, maxServers: 1 } }),
          code: "invalid_request",
        },
        {
          res: request.put(`${base}/api/roles/user`, { headers: asBootstrap, data: { maxCpu: 1e9, maxMemGb: 4, maxServers: 1 } }),
          code: "invalid_request",
        },
        {
          res: request.put(`${base}/api/roles/Not%20A%20Role`, { headers: asBootstrap, data: { maxCpu: 1, maxMemGb: 1, maxServers: 1 } }),
          code: "invalid_path",
        },
        {
          res: request.post(`${base}/api/users/${name}/tokens`, { headers: asBootstrap, data: { expiresInDays: 0 } }),
          code: "invalid_request",
        },
        { res: request.post(`${base}/api/users/${name}/tokens`, { headers: asBootstrap, data: { note: 5 } }), code: "invalid_request" },
      ];
      for (const c of cases) {
        const res = await c.res;
        expect(res.status(), `${res.url()} ${await res.text()}`).toBe(400);
        expect(await errorCode(res)).toBe(c.code);
      }
      const user = await (await request.get(`${base}/api/users/${name}`, { headers: asBootstrap })).json();
      expect(user).toMatchObject({ role: "user", limits: {} });
      const roles = (await (await request.get(`${base}/api/roles`, { headers: asBootstrap })).json()) as { name: string; maxCpu: number }[];
      expect(roles.find((r) => r.name === "user")?.maxCpu).toBe(2);
      const tokens = (await (await request.get(`${base}/api/users/${name}/tokens`, { headers: asBootstrap })).json()) as unknown[];
      expect(tokens).toHaveLength(1);
    });

    test("admins manage users, overrides and roles", async ({ request }) => {
      const name = `managed-${tag}`;
      const created = await request.post(`${base}/api/users`, {
        headers: asBootstrap,
        data: { name, role: "user", email: "m@example.com" },
      });
      expect(created.status()).toBe(201);
      expect(await created.json()).toMatchObject({ name, role: "user", roleSource: "admin" });
      const dup = await request.post(`${base}/api/users`, { headers: asBootstrap, data: { name, role: "user" } });
      expect(dup.status()).toBe(409);
      expect(await errorCode(dup)).toBe("user_exists");

      const patched = await request.patch(`${base}/api/users/${name}`, {
        headers: asBootstrap,
        data: { role: "power", limits: { maxCpu: 6 } },
      });
      expect(patched.status()).toBe(200);
      expect(await patched.json()).toMatchObject({ role: "power", limits: { maxCpu: 6 } });
      const token = (await (await request.post(`${base}/api/users/${name}/tokens`, { headers: asBootstrap, data: {} })).json()) as {
        token: string;
      };
      const me = await (await request.get(`${base}/api/me`, { headers: bearer(token.token) })).json();
      expect(me).toMatchObject({ role: "power", limits: { maxCpu: 6, maxMemGb: 32, maxServers: 3 } });
      const cleared = await request.patch(`${base}/api/users/${name}`, { headers: asBootstrap, data: { limits: { maxCpu: null } } });
      expect(await cleared.json()).toMatchObject({ limits: {} });

      const role = await request.put(`${base}/api/roles/gpu-${tag}`, {
        headers: asBootstrap,
        data: { maxCpu: 4, maxMemGb: 16, maxServers: 2 },
      });
      expect(role.status()).toBe(201);
      expect(await role.json()).toMatchObject({ name: `gpu-${tag}`, maxTotalCpu: 8, maxTotalMemGb: 32 });
      const again = await request.put(`${base}/api/roles/gpu-${tag}`, {
        headers: asBootstrap,
        data: { maxCpu: 5, maxMemGb: 16, maxServers: 2, maxTotalCpu: 5 },
      });
      expect(again.status()).toBe(200);
      expect(await again.json()).toMatchObject({ maxCpu: 5, maxTotalCpu: 5 });

      const list = await request.get(`${base}/api/users?q=managed-${tag}&limit=10`, { headers: asBootstrap });
      expect(await list.json()).toMatchObject({ total: 1, items: [{ name, email: "m@example.com" }] });

      const deleted = await request.delete(`${base}/api/users/${name}`, { headers: asBootstrap });
      expect(deleted.status()).toBe(200);
      // Without ?volume the home volume is kept; what went with the user is answered.
      expect(await deleted.json()).toMatchObject({
        name,
        servers: [],
        tokens: 1,
        volume: { name: expect.stringMatching(/^atrium-home-[0-9a-f]{32}$/), removed: false },
      });
      const badChoice = await request.delete(`${base}/api/users/${name}?volume=shred`, { headers: asBootstrap });
      expect(badChoice.status()).toBe(400);
      expect((await request.delete(`${base}/api/users/${name}`, { headers: asBootstrap })).status()).toBe(404);
      expect((await request.get(`${base}/api/me`, { headers: bearer(token.token) })).status()).toBe(401);
    });

    test("the users list pages", async ({ request }) => {
      for (let i = 0; i < 7; i++) {
        await request.post(`${base}/api/users`, { headers: asBootstrap, data: { name: `page-${tag}-${i}`, role: "user" } });
      }
      const first = await (await request.get(`${base}/api/users?q=page-${tag}&limit=3`, { headers: asBootstrap })).json();
      const third = await (await request.get(`${base}/api/users?q=page-${tag}&limit=3&offset=6`, { headers: asBootstrap })).json();
      expect(first.total).toBe(7);
      expect(first.items.map((u: { name: string }) => u.name)).toEqual([`page-${tag}-0`, `page-${tag}-1`, `page-${tag}-2`]);
      expect(third.items.map((u: { name: string }) => u.name)).toEqual([`page-${tag}-6`]);
    });
  });
}

test("an expired token is refused (Postgres portal)", async ({ request }) => {
  await userWithToken(request, SSO_URL, "expiring");
  const sql = postgres(E2E_DATABASE_URL, { max: 1 });
  const raw = "atr_expired-token-for-the-e2e-test-0000000000";
  try {
    await sql`insert into api_tokens (id, user_name, owner_id, hash, kind, expires_at)
      select 'tok_expired', name, id, ${hashToken(raw)}, 'personal', now() - interval '1 minute' from users where name = 'expiring'`;
  } finally {
    await sql.end();
  }
  const res = await request.get(`${SSO_URL}/api/me`, { headers: bearer(raw) });
  expect(res.status()).toBe(401);
});
