import { describe, expect, it } from "vitest";
import { earlyAnswer, withoutServingSlash } from "./pre-route";

describe("earlyAnswer", () => {
  it("refuses TRACE with a 405 in the route's error format", () => {
    const portal = earlyAnswer("TRACE", "/api/me");
    expect([portal?.status, JSON.parse(portal?.body ?? "{}")]).toEqual([
      405,
      { error: "method_not_allowed", message: "The TRACE method is not allowed here." },
    ]);
    expect(JSON.parse(earlyAnswer("trace", "/api/2.0/mlflow/runs/get")?.body ?? "{}").error_code).toBe("BAD_REQUEST");
  });

  it.each(["/api/users/%zz", "/api/users/a%E0%A4%A", "/api/2.0/mlflow-artifacts/artifacts/1/%", "/models/%C0%AF"])(
    "refuses the malformed escape in %s with a 400",
    (url) => {
      expect(earlyAnswer("GET", url)?.status).toBe(400);
    },
  );

  it.each(["/admin/audit?actor=a%00b", "/admin/users?q=%00", "/api/users/a%00", "/models/x?%00=1"])(
    "refuses the NUL in %s with a 400",
    (url) => {
      const a = earlyAnswer("GET", url);
      expect([a?.status, JSON.parse(a?.body ?? "{}").message]).toEqual([
        400,
        "The request URL contains a NUL character (%00), which text may not contain.",
      ]);
    },
  );

  it("answers the artifact routes in the portal's format, as their handlers do", () => {
    expect(JSON.parse(earlyAnswer("PUT", "/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/a%00.txt")?.body ?? "{}").error).toBe(
      "invalid_path",
    );
    expect(JSON.parse(earlyAnswer("GET", "/api/2.0/mlflow/runs/get?run_id=%00")?.body ?? "{}").error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(JSON.parse(earlyAnswer("GET", "/admin/users?q=%00")?.body ?? "{}").error).toBe("invalid_request");
  });

  it("hands on everything else, including %-escapes in the query and well-formed ones in the path", () => {
    expect(earlyAnswer("GET", "/api/users/a%20b%2Fc?q=%zz")).toBeUndefined();
    expect(earlyAnswer("GET", "/admin/audit?actor=a%2500b")).toBeUndefined();
    expect(earlyAnswer("POST", "/api/2.0/mlflow/runs/create")).toBeUndefined();
    expect(earlyAnswer(undefined, undefined)).toBeUndefined();
  });
});

describe("the serving-endpoints API", () => {
  it("answers early refusals in MLflow's format, as its handlers do", () => {
    expect(JSON.parse(earlyAnswer("GET", "/api/2.0/serving-endpoints/a%00")?.body ?? "{}")).toEqual({
      error_code: "INVALID_PARAMETER_VALUE",
      message: "The request URL contains a NUL character (%00), which text may not contain.",
    });
    expect(JSON.parse(earlyAnswer("TRACE", "/api/2.0/serving-endpoints/")?.body ?? "{}").error_code).toBe("BAD_REQUEST");
  });

  it("drops the trailing slash MLflow's Databricks client puts on create and list (posixpath.join(prefix, 'serving-endpoints', ''))", () => {
    expect(withoutServingSlash("/api/2.0/serving-endpoints/")).toBe("/api/2.0/serving-endpoints");
    expect(withoutServingSlash("/api/2.0/serving-endpoints/?x=1")).toBe("/api/2.0/serving-endpoints?x=1");
    expect(withoutServingSlash("/api/2.0/serving-endpoints/churn/config/")).toBe("/api/2.0/serving-endpoints/churn/config");
    for (const kept of [
      "/api/2.0/serving-endpoints",
      "/api/2.0/serving-endpoints/churn",
      "/api/2.0/serving-endpointsx/",
      "/api/me/",
      "/",
    ]) {
      expect(withoutServingSlash(kept)).toBe(kept);
    }
    expect(withoutServingSlash(undefined)).toBeUndefined();
  });
});
