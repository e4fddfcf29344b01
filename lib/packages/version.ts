/**
 * PEP 440 versions: which strings are versions, and their order (as packaging.version does), so
 * versions can be listed newest first and a pinned install gets a string pip will accept.
 */

// packaging.version.VERSION_PATTERN, anchored.
const VERSION_RE = new RegExp(
  "^\\s*v?" +
    "(?:(?<epoch>[0-9]+)!)?" +
    "(?<release>[0-9]+(?:\\.[0-9]+)*)" +
    "(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?" +
    "(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?" +
    "(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?" +
    "(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?" +
    "\\s*$",
  "i",
);

const MAX_VERSION_LENGTH = 100;

export interface ParsedVersion {
  epoch: number;
  release: number[];
  pre?: [string, number];
  post?: number;
  dev?: number;
  local?: (string | number)[];
}

/** A version pip will take after "==": PEP 440 and nothing else (no spaces, no operators). */
export function isValidVersion(v: string): boolean {
  return v.length <= MAX_VERSION_LENGTH && !/\s/.test(v) && VERSION_RE.test(v);
}

function preLetter(l: string): string {
  const x = l.toLowerCase();
  if (x === "alpha") return "a";
  if (x === "beta") return "b";
  if (x === "c" || x === "pre" || x === "preview") return "rc";
  return x;
}

export function parseVersion(v: string): ParsedVersion | undefined {
  const m = VERSION_RE.exec(v);
  const g = m?.groups;
  if (!g || g.release === undefined) return undefined;
  const out: ParsedVersion = { epoch: Number(g.epoch ?? 0), release: g.release.split(".").map(Number) };
  if (g.pre_l) out.pre = [preLetter(g.pre_l), Number(g.pre_n ?? 0)];
  if (g.post) out.post = Number(g.post_n1 ?? g.post_n2 ?? 0);
  if (g.dev) out.dev = Number(g.dev_n ?? 0);
  if (g.local)
    out.local = g.local
      .toLowerCase()
      .split(/[-_.]/)
      .map((p) => (/^[0-9]+$/.test(p) ? Number(p) : p));
  return out;
}

export function isPrerelease(v: ParsedVersion): boolean {
  return v.pre !== undefined || v.dev !== undefined;
}

const cmp = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);

/** packaging's _cmpkey, written out: release without trailing zeros, then pre/post/dev/local rules. */
export function compareParsed(a: ParsedVersion, b: ParsedVersion): number {
  if (a.epoch !== b.epoch) return cmp(a.epoch, b.epoch);
  const ra = trimZeros(a.release);
  const rb = trimZeros(b.release);
  for (let i = 0; i < Math.max(ra.length, rb.length); i++) {
    const c = cmp(ra[i] ?? -1, rb[i] ?? -1);
    if (c) return c;
  }
  const c = cmpTuple(preKey(a), preKey(b)) || cmp(a.post ?? -1, b.post ?? -1) || cmp(a.dev ?? Infinity, b.dev ?? Infinity);
  if (c) return c;
  return cmpLocal(a.local, b.local);
}

function trimZeros(r: number[]): number[] {
  let n = r.length;
  while (n > 1 && r[n - 1] === 0) n--;
  return r.slice(0, n);
}

const PRE_ORDER: Record<string, number> = { a: 0, b: 1, rc: 2 };

/** A dev release without pre or post sorts before every pre-release of its release: 1.0.dev1 < 1.0a1. */
function preKey(v: ParsedVersion): [number, number] {
  if (!v.pre && v.post === undefined && v.dev !== undefined) return [-1, 0];
  if (!v.pre) return [9, 0];
  return [PRE_ORDER[v.pre[0]] ?? 3, v.pre[1]];
}

function cmpTuple(a: [number, number], b: [number, number]): number {
  return cmp(a[0], b[0]) || cmp(a[1], b[1]);
}

/** No local label sorts first; numeric parts beat alphanumeric ones; a longer label wins a tie. */
function cmpLocal(a: ParsedVersion["local"], b: ParsedVersion["local"]): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (typeof x === "number" && typeof y === "number") {
      if (x !== y) return cmp(x, y);
    } else if (typeof x === "number") return 1;
    else if (typeof y === "number") return -1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return cmp(a.length, b.length);
}

/** Newest first; strings that are not PEP 440 versions go last, in reverse text order. */
export function compareVersionsDesc(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (pa && pb) return compareParsed(pb, pa) || (a < b ? 1 : a > b ? -1 : 0);
  if (pa) return -1;
  if (pb) return 1;
  return a < b ? 1 : a > b ? -1 : 0;
}
