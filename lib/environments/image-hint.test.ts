import { describe, expect, it } from "vitest";
import { spawnFailureReason } from "@/lib/metrics/registry";
import { missingImageAdvice } from "./image-hint";

describe("missingImageAdvice", () => {
  it("names the command that builds the repository's own workspace image", () => {
    expect(missingImageAdvice("atrium-workspace:1")).toBe(
      "The image atrium-workspace:1 is missing: build it with `npm run image:workspace` in the Atrium checkout on the portal's host, then reload.",
    );
  });

  it("sends other images to docker pull", () => {
    expect(missingImageAdvice("quay.io/jupyter/base-notebook:2024-12-02")).toBe(
      "The image quay.io/jupyter/base-notebook:2024-12-02 is missing on this host: an admin has to pull or build it (docker pull quay.io/jupyter/base-notebook:2024-12-02).",
    );
    expect(missingImageAdvice("registry.example/atrium-workspace:1")).toContain("docker pull");
  });

  it("is counted as image_missing by the spawn-failure metric", () => {
    for (const image of ["atrium-workspace:1", "quay.io/x:1"]) expect(spawnFailureReason(missingImageAdvice(image))).toBe("image_missing");
  });
});
