import { expect, test } from "@playwright/test";
import { asBootstrap, bearer, errorCode, userWithToken } from "./support/api";
import { concrete, scanAdminSurface } from "./support/admin-surface";
import { PORTALS } from "./support/env";

/**
 * Every admin page and API, found by reading app/ (requireAdmin, withAdmin), refuses a person who is
 * not an admin: 401 (API) or a redirect to sign-in (page) without credentials, 403 for a signed-in
 * non-admin. An admin gets through, which proves each URL reaches the code that was scanned.
 */
const surface = scanAdminSurface();
const PLEB = "adm-e-pleb";
/** An admin whose token lacks the "admin" scope (lib/auth/scopes.ts): refused like a non-admin. */
const UNSCOPED_ADMIN = "d-adm-unscoped";
const samples = { name: PLEB, server: "default", role: "user", id: "x", path: "x" };

test("the scan finds the admin surface and nothing under /admin escapes it", () => {
  expect(surface.problems).toEqual([]);
  const apis = surface.apis.map((a) => `${a.method} ${a.route}`);
  const pages = surface.pages.map((p) => p.route);
  for (const known of [
    "GET /api/audit",
    "GET /api/users",
    "PATCH /api/users/[name]",
    "PUT /api/roles/[role]",
    "GET /api/admin/servers",
    "POST /api/admin/servers/stop",
    "POST /api/environments",
  ]) {
    expect(apis).toContain(known);
  }
  for (const known of [
    "/admin/users",
    "/admin/users/[name]",
    "/admin/roles",
    "/admin/servers",
    "/admin/audit",
    "/admin/usage",
    "/admin/webhooks",
  ])
    expect(pages).toContain(known);
});

for (const portal of PORTALS) {
  test.describe(`admin surface on ${portal.name}`, () => {
    const base = portal.url;
    let plebToken = "";
    let unscopedAdminToken = "";
    test.beforeAll(async ({ request }) => {
      plebToken = await userWithToken(request, base, PLEB, "power");
      unscopedAdminToken = await userWithToken(request, base, UNSCOPED_ADMIN, "admin");
    });

    for (const api of surface.apis) {
      const url = concrete(api.route, samples);
      test(`${api.method} ${api.route} refuses anonymous and non-admin callers`, async ({ request }) => {
        const anonymous = await request.fetch(`${base}${url}`, { method: api.method });
        expect(anonymous.status(), `anonymous ${api.method} ${url}`).toBe(401);
        expect(await errorCode(anonymous)).toBe("unauthorized");
        const pleb = await request.fetch(`${base}${url}`, { method: api.method, headers: bearer(plebToken) });
        expect(pleb.status(), `non-admin ${api.method} ${url}`).toBe(403);
        expect(await errorCode(pleb)).toBe("forbidden");
        const unscoped = await request.fetch(`${base}${url}`, { method: api.method, headers: bearer(unscopedAdminToken) });
        expect(unscoped.status(), `admin token without the admin scope ${api.method} ${url}`).toBe(403);
        expect(await errorCode(unscoped)).toBe("insufficient_scope");
        if (api.method === "GET") {
          const admin = await request.get(`${base}${url}`, { headers: asBootstrap });
          expect(admin.status(), `admin GET ${url}`).toBe(200);
        }
      });
    }

    for (const page of surface.pages) {
      const url = concrete(page.route, samples);
      test(`page ${page.route} refuses anonymous and non-admin visitors`, async ({ request }) => {
        const anonymous = await request.get(`${base}${url}`, { maxRedirects: 0 });
        expect(anonymous.status(), `anonymous ${url}`).toBe(307);
        expect(anonymous.headers().location ?? "").toMatch(/\/signin$/);
        const pleb = await request.get(`${base}${url}`, { headers: bearer(plebToken), maxRedirects: 0 });
        expect(pleb.status(), `non-admin ${url}`).toBe(403);
        const html = await pleb.text();
        expect(html).toContain("Admins only");
        expect(html).not.toContain('data-testid="users-table"');
        const unscoped = await request.get(`${base}${url}`, { headers: bearer(unscopedAdminToken), maxRedirects: 0 });
        expect(unscoped.status(), `admin token without the admin scope ${url}`).toBe(403);
        const admin = await request.get(`${base}${url}`, { headers: asBootstrap, maxRedirects: 0 });
        expect(admin.status(), `admin ${url}`).toBe(200);
      });
    }
  });
}
