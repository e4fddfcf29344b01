import { describe, expect, it } from "vitest";
import { ApiError, errorResponse, mlflowErrorResponse } from "./api-error";
import { respond } from "./with-user";

describe("refusals in the portal's and in MLflow's format", () => {
  it("maps the portal's refusals to MLflow's error codes, keeping status and sentence", async () => {
    const cases: [number, string][] = [
      [400, "INVALID_PARAMETER_VALUE"],
      [401, "UNAUTHENTICATED"],
      [403, "PERMISSION_DENIED"],
      [404, "RESOURCE_DOES_NOT_EXIST"],
      [413, "REQUEST_LIMIT_EXCEEDED"],
      [415, "BAD_REQUEST"],
      [409, "BAD_REQUEST"],
      [500, "INTERNAL_ERROR"],
    ];
    for (const [status, code] of cases) {
      const res = mlflowErrorResponse(new ApiError(status, "x", "One sentence."));
      expect([res.status, await res.json()]).toEqual([status, { error_code: code, message: "One sentence." }]);
    }
    expect(await errorResponse(new ApiError(401, "unauthorized", "Sign in.")).json()).toEqual({
      error: "unauthorized",
      message: "Sign in.",
    });
  });

  it("respond writes thrown errors in the format asked for, and hides unexpected ones", async () => {
    const denied = await respond(() => Promise.reject(new ApiError(403, "insufficient_scope", "No.")), "mlflow");
    expect(await denied.json()).toEqual({ error_code: "PERMISSION_DENIED", message: "No." });
    const crash = await respond(() => Promise.reject(new Error("db down")), "mlflow");
    expect([crash.status, ((await crash.json()) as { error_code: string }).error_code]).toEqual([500, "INTERNAL_ERROR"]);
    expect(await (await respond(() => Promise.reject(new ApiError(403, "forbidden", "No.")))).json()).toEqual({
      error: "forbidden",
      message: "No.",
    });
  });
});
