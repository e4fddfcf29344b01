/** Which versions pip can install into a workspace's Python: specifiers and wheel tags as pip reads them. */
import { describe, expect, it } from "vitest";
import { pythonsOfWheelsOnly, specifierAllows, versionFit, wheelFits, type PythonTarget } from "./fit";

const py313: PythonTarget = { python: "3.13.5", arch: "x86_64" };
const wheel = (filename: string, requiresPython?: string) => ({ filename, kind: "wheel" as const, yanked: false, requiresPython });
const sdist = (filename: string, requiresPython?: string) => ({ filename, kind: "sdist" as const, yanked: false, requiresPython });

describe("Requires-Python", () => {
  it.each([
    [">=3.8", "3.13.5", true],
    [">=3.14", "3.13.5", false],
    [">=3.9,<3.13", "3.13.5", false],
    [">=3.9, <4", "3.13.5", true],
    ["<3.13", "3.13.0", false],
    ["<=3.13", "3.13.0", true],
    ["==3.13.*", "3.13.5", true],
    ["==3.12.*", "3.13.5", false],
    ["!=3.13.*", "3.13.5", false],
    ["~=3.10", "3.13.5", true],
    ["~=3.10.2", "3.11.0", false],
    [">3.13", "3.13.5", true],
    ["===3.13.5", "3.13.5", true],
  ])("%s with Python %s → %s", (spec, version, allowed) => {
    expect(specifierAllows(spec, version)).toBe(allowed);
  });

  it("cannot read nonsense, which then does not refuse anything", () => {
    expect(specifierAllows("python>=3", "3.13.5")).toBeUndefined();
    expect(versionFit([wheel("p-1.0-py3-none-any.whl", "python>=3")], py313)).toEqual({ fits: true });
  });
});

describe("wheel tags", () => {
  it.each([
    ["p-1.0-py3-none-any.whl", true],
    ["p-1.0-py2.py3-none-any.whl", true],
    ["p-1.0-py313-none-any.whl", true],
    ["p-1.0-py314-none-any.whl", false],
    ["p-1.0-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", true],
    ["p-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", false],
    ["p-1.0-cp311-cp311-linux_x86_64.whl", false],
    ["p-1.0-cp39-abi3-manylinux2014_x86_64.whl", true],
    ["p-1.0-cp314-abi3-manylinux2014_x86_64.whl", false],
    ["p-1.0-cp313-cp313-manylinux2014_aarch64.whl", false],
    ["p-1.0-cp313-cp313-musllinux_1_1_x86_64.whl", false],
    ["p-1.0-cp313-cp313-win_amd64.whl", false],
    ["p-1.0-cp313-cp313t-manylinux2014_x86_64.whl", false],
    ["p-1.0-1build-cp313-cp313-linux_x86_64.whl", true],
    ["p-1.0-py2-none-any.whl", false],
  ])("%s fits CPython 3.13 on x86_64: %s", (file, fits) => {
    expect(wheelFits(file, py313)).toBe(fits);
  });
});

describe("a version's fit", () => {
  it("a cp311-only wheel does not fit Python 3.13, and says which wheels there are", () => {
    const fit = versionFit([wheel("fast-1.0-cp311-cp311-manylinux2014_x86_64.whl")], py313);
    expect(fit).toEqual({
      fits: false,
      reason: "it has no source and its wheels (cp311-cp311-manylinux2014_x86_64) are not for Python 3.13 on x86_64 Linux",
    });
  });

  it("an sdist beside foreign wheels is built by pip, so it fits; Requires-Python still refuses", () => {
    expect(versionFit([wheel("p-1.0-cp311-cp311-win_amd64.whl"), sdist("p-1.0.tar.gz")], py313)).toEqual({ fits: true });
    expect(versionFit([sdist("p-2.0.tar.gz", ">=3.14")], py313)).toEqual({
      fits: false,
      reason: "it needs Python >=3.14, and this workspace has Python 3.13.5",
    });
  });

  it("the Python column reads from the wheels when the index gives no Requires-Python", () => {
    expect(pythonsOfWheelsOnly([wheel("p-1-cp311-cp311-linux_x86_64.whl"), wheel("p-1-cp310-cp310-linux_x86_64.whl")])).toBe(
      "cp310, cp311 only",
    );
    expect(pythonsOfWheelsOnly([wheel("p-1-py3-none-any.whl")])).toBeUndefined();
    expect(pythonsOfWheelsOnly([wheel("p-1-cp39-abi3-linux_x86_64.whl")])).toBeUndefined();
    expect(pythonsOfWheelsOnly([wheel("p-1-cp311-cp311-linux_x86_64.whl"), sdist("p-1.tar.gz")])).toBeUndefined();
  });
});
