import { describe, expect, it } from "vitest";
import { fileKind, versionFromFilename } from "./filenames";
import { isValidProjectName, normalizeName } from "./names";
import { compareVersionsDesc, isValidVersion } from "./version";

describe("PEP 503 names", () => {
  it("normalises runs of -, _ and . and case", () => {
    expect(normalizeName("Foo.Bar__baz--QUX")).toBe("foo-bar-baz-qux");
    expect(normalizeName("scikit_learn")).toBe("scikit-learn");
  });
  it("accepts PEP 508 names and refuses options, paths, URLs and specifiers", () => {
    for (const ok of ["numpy", "A", "zope.interface", "atrium_demo-pkg2"]) expect(isValidProjectName(ok), ok).toBe(true);
    for (const bad of [
      "--index-url=http://evil/",
      "-e",
      "foo bar",
      "foo==1.0",
      "../x",
      "http://x/y.whl",
      "foo[extra]",
      "foo;python_version>'3'",
      "_x",
      "x-",
      "",
      "a".repeat(201),
    ]) {
      expect(isValidProjectName(bad), bad).toBe(false);
    }
  });
});

describe("PEP 440 versions", () => {
  it("accepts versions and refuses anything pip would read as more than a version", () => {
    for (const ok of ["1", "1.0", "2!1.0", "1.0a1", "1.0rc2", "1.0.post1", "1.0.dev3", "1.0+local.7", "v1.2"])
      expect(isValidVersion(ok), ok).toBe(true);
    for (const bad of ["1.0 ", ">=1.0", "1.0,<2", "--pre", "1.0; rm", "latest", "", "1.*"]) expect(isValidVersion(bad), bad).toBe(false);
  });
  it("orders as packaging does, newest first", () => {
    const sorted = [
      "1.0",
      "1.0.dev1",
      "1.0a1",
      "1.0b2",
      "1.0rc1",
      "1.0.post1",
      "1.0+local",
      "0.9",
      "1!0.1",
      "1.10",
      "1.2",
      "not-a-version",
    ].sort(compareVersionsDesc);
    expect(sorted).toEqual([
      "1!0.1",
      "1.10",
      "1.2",
      "1.0.post1",
      "1.0+local",
      "1.0",
      "1.0rc1",
      "1.0b2",
      "1.0a1",
      "1.0.dev1",
      "0.9",
      "not-a-version",
    ]);
    expect(["1.0.0", "1.0"].sort(compareVersionsDesc)).toEqual(["1.0.0", "1.0"]);
  });
});

describe("file names", () => {
  it("reads versions from wheels, sdists and legacy sdists whose names keep a dash", () => {
    expect(versionFromFilename("atrium_demo-1.2.0-py3-none-any.whl", "atrium-demo")).toBe("1.2.0");
    expect(versionFromFilename("numpy-1.26.4-1-cp311-cp311-manylinux_2_17_x86_64.whl", "numpy")).toBe("1.26.4");
    expect(versionFromFilename("Atrium-Demo-0.9rc1.tar.gz", "atrium-demo")).toBe("0.9rc1");
    expect(versionFromFilename("zope.interface-6.0.zip", "zope-interface")).toBe("6.0");
    expect(versionFromFilename("README.txt", "x")).toBeUndefined();
    expect(fileKind("a-1.tar.gz")).toBe("sdist");
    expect(fileKind("a-1-py3-none-any.whl")).toBe("wheel");
  });
});
