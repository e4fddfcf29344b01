import { describe, expect, it } from "vitest";
import { DEFAULT_SCOPES } from "@/lib/auth/scopes";
import { person, tokenCaller as token } from "@/lib/auth/testing";
import { ApiError } from "@/lib/http/api-error";
import { apiError } from "@/lib/http/testing";
import { EngineUnavailableError, OtherNodeError, ServerNotRunningError } from "@/lib/spawner";
import { assertServerOfToken, execError } from "./workspace-target";

describe("execError", () => {
  const mapped = (err: unknown) => {
    const out = execError(err, "ann", "default");
    return out instanceof ApiError ? [out.status, out.code, out.message] : out;
  };

  it("turns the spawner's refusals into answers a person can act on", () => {
    expect(mapped(new ServerNotRunningError("gone"))).toEqual([
      409,
      "server_not_running",
      "The workspace ann/default is not running; start it first.",
    ]);
    expect(mapped(new EngineUnavailableError("The container engine cannot be reached."))).toEqual([
      503,
      "engine_unavailable",
      "The container engine cannot be reached.",
    ]);
    expect(
      mapped(
        new OtherNodeError("The server ann/default runs on node gpu-2; commands and usage can only be read on the portal's own node."),
      ),
    ).toEqual([
      501,
      "other_node",
      "The server ann/default runs on node gpu-2; commands and usage can only be read on the portal's own node.",
    ]);
  });

  it("passes anything else through unchanged", () => {
    const other = new Error("boom");
    expect(execError(other, "ann", "default")).toBe(other);
  });
});

describe("assertServerOfToken", () => {
  const ws = token(DEFAULT_SCOPES.workspace as string[], { tokenKind: "workspace", tokenId: "tok_ws" });

  it("lets a workspace's token act on its own server only", async () => {
    expect(() => assertServerOfToken(ws, "ann", "one", { trackingTokenId: "tok_ws" })).not.toThrow();
    for (const row of [{ trackingTokenId: "tok_other" }, { trackingTokenId: null }, undefined]) {
      const err = await apiError(() => assertServerOfToken(ws, "ann", "two", row));
      expect([err.status, err.code, err.message]).toEqual([
        403,
        "insufficient_scope",
        "This workspace's token may act only on its own server, not on ann/two.",
      ]);
    }
  });

  it("does not bind personal tokens or people to a server", async () => {
    expect(() => assertServerOfToken(token(["account"]), "ann", "two", { trackingTokenId: "tok_other" })).not.toThrow();
    expect(() => assertServerOfToken(person, "ann", "two", undefined)).not.toThrow();
  });
});
