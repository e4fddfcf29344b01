import { describe, expect, it } from "vitest";
import { ApiError } from "@/lib/http/api-error";
import { EngineUnavailableError, OtherNodeError, NotRunningError } from "@/lib/spawner";
import { execError } from "./workspace-target";

describe("execError", () => {
  const mapped = (err: unknown) => {
    const out = execError(err, "ann", "default");
    return out instanceof ApiError ? [out.status, out.code, out.message] : out;
  };

  it("turns the spawner's refusals into answers a person can act on", () => {
    expect(mapped(new NotRunningError("gone"))).toEqual([
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
