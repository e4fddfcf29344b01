import { describe, expect, it } from "vitest";
import { encodedTailOf } from "./http";
import { UnsafeArtifactPath, segmentsFromPath, segmentsFromUrlTail } from "./paths";

const RUN = "1/0123456789abcdef0123456789abcdef/artifacts";

describe("segmentsFromUrlTail", () => {
  it("decodes each segment of a plain path", () => {
    expect(segmentsFromUrlTail(`${RUN}/model/MLmodel`)).toEqual(["1", "0123456789abcdef0123456789abcdef", "artifacts", "model", "MLmodel"]);
    expect(segmentsFromUrlTail(`${RUN}/my%20plot.png`).at(-1)).toBe("my plot.png");
    expect(segmentsFromUrlTail("")).toEqual([]);
  });

  it.each([
    ["dot-dot", `${RUN}/../x`],
    ["encoded dot-dot", `${RUN}/%2e%2e/x`],
    ["mixed-case encoded dot-dot", `${RUN}/%2E%2e/x`],
    ["encoded slash", `${RUN}/a%2f..%2f..%2fetc`],
    ["backslash", `${RUN}/..\\..\\etc`],
    ["encoded backslash", `${RUN}/a%5c..`],
    ["NUL", `${RUN}/a%00.txt`],
    ["absolute (leading slash)", `/etc/passwd`],
    ["empty segment", `${RUN}//x`],
    ["single dot", `${RUN}/./x`],
    ["bad percent encoding", `${RUN}/%zz`],
    ["drive letter", `C:/x`],
  ])("refuses %s", (_label, tail) => {
    expect(() => segmentsFromUrlTail(tail)).toThrow(UnsafeArtifactPath);
  });
});

describe("length limits (ENAMETOOLONG on disk, S3's 1024-byte keys)", () => {
  it("allows a 255-byte name and refuses a 256-byte one, counted in bytes", () => {
    expect(segmentsFromUrlTail(`${RUN}/${"a".repeat(255)}`).at(-1)).toHaveLength(255);
    expect(() => segmentsFromUrlTail(`${RUN}/${"a".repeat(256)}`)).toThrow(
      "The artifact path has a name of 256 bytes; each file or folder name may have at most 255.",
    );
    expect(() => segmentsFromPath(`${RUN}/${"é".repeat(128)}`)).toThrow("a name of 256 bytes");
  });
  it("refuses a whole path over 1024 bytes", () => {
    const deep = Array(10).fill("b".repeat(100)).join("/");
    expect(() => segmentsFromUrlTail(`${RUN}/${deep}`)).toThrow(/The artifact path has 1\d{3} bytes; it may have at most 1024\./);
  });
});

describe("segmentsFromPath (the ?path= of a listing)", () => {
  it("accepts a run folder with or without one trailing slash", () => {
    expect(segmentsFromPath(`${RUN}/model/`)).toEqual(["1", "0123456789abcdef0123456789abcdef", "artifacts", "model"]);
    expect(segmentsFromPath(RUN)).toHaveLength(3);
  });

  it.each([["/etc"], [`${RUN}/../../x`], [`${RUN}/a\\b`], [`${RUN}/a\u0000`], [`${RUN}//a`]])("refuses %j", (p) => {
    expect(() => segmentsFromPath(p)).toThrow(UnsafeArtifactPath);
  });

  it("quotes control characters escaped in the message", () => {
    expect(() => segmentsFromPath("a\u0000b")).toThrow(
      'The artifact path "a\\x00b" is not a plain relative path inside a run\'s artifacts.',
    );
  });
});

describe("encodedTailOf", () => {
  it("keeps the encoding of what follows the route prefix", () => {
    expect(encodedTailOf("http://h/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/%2e%2e/x?y=1")).toBe("1/r/artifacts/%2e%2e/x");
    expect(encodedTailOf("http://h/api/2.0/mlflow-artifacts/artifacts?path=1")).toBe("");
  });
});
