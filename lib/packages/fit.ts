/**
 * Whether a version of a package can be installed into a workspace's Python, decided as pip decides
 * it: `Requires-Python` (PEP 345/440 specifiers) and the tags of its wheels (PEP 425 / 600: python
 * tag, ABI, platform). A version with an sdist counts as installable, as pip would try to build it.
 * Pure, so the package page, its install panel and the install route use the same verdict
 * (docs/architecture.md, "Packages").
 */
import type { ProjectFile } from "./simple-client";
import { compareParsed, parseVersion, type ParsedVersion } from "./version";

/** The Python a workspace runs: its version ("3.13.5") from the image scan and the machine's architecture. */
export interface PythonTarget {
  python: string;
  /** As wheel platform tags spell it: x86_64, aarch64. */
  arch: string;
}

/** The machine architecture in wheel tags' spelling; the engine runs on the portal's host (docs/architecture.md). */
export function wheelArch(nodeArch: string): string {
  return nodeArch === "x64" ? "x86_64" : nodeArch === "arm64" ? "aarch64" : nodeArch === "ia32" ? "i686" : nodeArch;
}

const SPEC_RE = /^\s*(~=|===|==|!=|<=|>=|<|>)\s*([^\s,]+)\s*$/;

/** Whether `version` satisfies a PEP 440 specifier set such as ">=3.9,<4"; undefined when it cannot be read. */
export function specifierAllows(specifier: string, version: string): boolean | undefined {
  const v = parseVersion(version);
  if (!v) return undefined;
  for (const clause of specifier.split(",")) {
    if (!clause.trim()) continue;
    const m = SPEC_RE.exec(clause);
    if (!m?.[1] || !m[2]) return undefined;
    const ok = clauseAllows(m[1], m[2], v, version);
    if (ok === undefined) return undefined;
    if (!ok) return false;
  }
  return true;
}

function clauseAllows(op: string, target: string, v: ParsedVersion, raw: string): boolean | undefined {
  if (op === "===") return raw === target;
  if ((op === "==" || op === "!=") && target.endsWith(".*")) {
    const prefix = parseVersion(target.slice(0, -2));
    if (!prefix) return undefined;
    const head = Array.from({ length: prefix.release.length }, (_, i) => v.release[i] ?? 0);
    const same = v.epoch === prefix.epoch && head.every((n, i) => n === prefix.release[i]);
    return op === "==" ? same : !same;
  }
  const t = parseVersion(target);
  if (!t) return undefined;
  // A version without a local label is compared without the candidate's (PEP 440, "Version matching").
  const candidate = t.local === undefined ? { ...v, local: undefined } : v;
  const c = compareParsed(candidate, t);
  switch (op) {
    case "==":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<=":
      return c <= 0;
    case ">=":
      return c >= 0;
    case "<":
      return c < 0;
    case ">":
      return c > 0;
    case "~=": {
      // ~=X.Y.Z means >=X.Y.Z, ==X.Y.*
      if (t.release.length < 2) return undefined;
      const prefix = t.release.slice(0, -1);
      return c >= 0 && prefix.every((n, i) => (v.release[i] ?? 0) === n);
    }
    default:
      return undefined;
  }
}

interface WheelTags {
  pythons: string[];
  abis: string[];
  platforms: string[];
}

/** PEP 427's name-version[-build]-python-abi-platform.whl; each tag may be a "."-joined set. */
function wheelTags(filename: string): WheelTags | undefined {
  if (!filename.toLowerCase().endsWith(".whl")) return undefined;
  const parts = filename.slice(0, -4).split("-");
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const [py, abi, plat] = parts.slice(-3) as [string, string, string];
  return { pythons: py.toLowerCase().split("."), abis: abi.toLowerCase().split("."), platforms: plat.toLowerCase().split(".") };
}

function majorMinor(python: string): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(python);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** One python/abi pair pip on CPython `major.minor` accepts (packaging.tags.sys_tags, CPython only). */
function pairFits(py: string, abi: string, [major, minor]: [number, number]): boolean {
  const own = `cp${major}${minor}`;
  const m = /^(py|cp)(\d)(\d*)$/.exec(py);
  if (!m) return false;
  const [, kind, maj, min] = m;
  if (Number(maj) !== major) return false;
  const pyMinor = min ? Number(min) : undefined;
  if (abi === "none") return kind === "py" ? pyMinor === undefined || pyMinor <= minor : py === own;
  if (abi === "abi3") return kind === "cp" && pyMinor !== undefined && pyMinor <= minor;
  return py === own && abi === own;
}

function platformFits(platform: string, arch: string): boolean {
  if (platform === "any") return true;
  // glibc images (Debian, Ubuntu): every manylinux tag of the architecture; musllinux, macOS and Windows never.
  return platform === `linux_${arch}` || new RegExp(`^manylinux(?:1|2010|2014|_\\d+_\\d+)_${arch}$`).test(platform);
}

export function wheelFits(filename: string, target: PythonTarget): boolean {
  const tags = wheelTags(filename);
  const mm = majorMinor(target.python);
  if (!tags || !mm) return false;
  return (
    tags.platforms.some((p) => platformFits(p, target.arch)) && tags.pythons.some((py) => tags.abis.some((abi) => pairFits(py, abi, mm)))
  );
}

/** What a version's files say about Pythons when it gives no Requires-Python: "cp311 only", or undefined for "any". */
export function pythonsOfWheelsOnly(files: readonly Pick<ProjectFile, "filename" | "kind">[]): string | undefined {
  if (files.length === 0 || files.some((f) => f.kind !== "wheel")) return undefined;
  const pythons = new Set<string>();
  for (const f of files) {
    const tags = wheelTags(f.filename);
    if (!tags) return undefined;
    for (const py of tags.pythons) {
      if (/^py\d?$/.test(py) || tags.abis.includes("abi3")) return undefined;
      pythons.add(py);
    }
  }
  return `${[...pythons].sort().join(", ")} only`;
}

export type VersionFit = { fits: true } | { fits: false; reason: string };

/**
 * Whether pip in `target` can install this version from these files (its files on the index),
 * and if not, why in one clause ("needs Python >=3.14", "its wheels are only for cp311 on ...").
 */
export function versionFit(
  files: readonly Pick<ProjectFile, "filename" | "kind" | "requiresPython" | "yanked">[],
  target: PythonTarget,
): VersionFit {
  const requires = files.find((f) => f.requiresPython)?.requiresPython;
  if (requires && specifierAllows(requires, target.python) === false) {
    return { fits: false, reason: `it needs Python ${requires}, and this workspace has Python ${target.python}` };
  }
  if (files.length === 0 || files.some((f) => f.kind === "sdist")) return { fits: true };
  const wheels = files.filter((f) => f.kind === "wheel");
  if (wheels.length === 0 || wheels.some((f) => wheelFits(f.filename, target))) return { fits: true };
  const tags = [...new Set(wheels.map((f) => f.filename.slice(0, -4).split("-").slice(-3).join("-")))].slice(0, 4);
  return {
    fits: false,
    reason: `it has no source and its wheels (${tags.join(", ")}) are not for Python ${majorMinor(target.python)?.join(".") ?? target.python} on ${target.arch} Linux`,
  };
}
