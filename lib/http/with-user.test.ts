import { describe, expect, it } from "vitest";
import { insufficientScope } from "@/lib/auth/scopes";
import { bootstrap, person, tokenCaller as token } from "@/lib/auth/testing";
import { apiError } from "./testing";
import { assertRouteAccess } from "./with-user";

describe("assertRouteAccess", () => {
  it("refuses a token without the route's scope with insufficient_scope naming it", async () => {
    const err = await apiError(() => assertRouteAccess(token(["mlflow"]), { scope: "tokens", admin: false }));
    expect([err.status, err.code, err.message]).toEqual([403, "insufficient_scope", 'This token lacks the "tokens" scope this needs.']);
    expect(insufficientScope("tokens")).toEqual({ status: 403, error: "insufficient_scope", message: err.message });
    expect(() => assertRouteAccess(token(["account"]), { scope: "tokens", admin: false })).not.toThrow();
  });

  it("admin routes: a non-admin is forbidden as a person, an admin's token needs the admin scope", async () => {
    const admin = { role: "admin", name: "root" };
    expect((await apiError(() => assertRouteAccess(token(["admin"]), { scope: "admin", admin: true }))).code).toBe("forbidden");
    expect((await apiError(() => assertRouteAccess(person, { scope: "admin", admin: true }))).code).toBe("forbidden");
    const lacking = await apiError(() => assertRouteAccess(token(["account"], admin), { scope: "admin", admin: true }));
    expect([lacking.code, lacking.message]).toEqual(["insufficient_scope", 'This token lacks the "admin" scope this needs.']);
    expect(() => assertRouteAccess(token(["admin"], admin), { scope: "admin", admin: true })).not.toThrow();
    expect(() => assertRouteAccess({ ...person, ...admin }, { scope: "admin", admin: true })).not.toThrow();
    expect(() => assertRouteAccess(bootstrap, { scope: "admin", admin: true })).not.toThrow();
  });
});
