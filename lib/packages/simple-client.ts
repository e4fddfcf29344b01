/**
 * A client for a Simple Repository API (PyPI, devpi, Nexus, Artifactory): PEP 691 JSON when the
 * server offers it (content negotiation on every request), PEP 503 HTML otherwise. Every request has
 * a deadline for the first byte and one for the whole body, so a dead or slow index is reported in
 * seconds instead of hanging a page.
 */
import { fileKind, versionFromFilename, type FileKind } from "./filenames";
import { IndexUnavailableError } from "./errors";
import { parseAnchors } from "./html";
import { normalizeName } from "./names";
import { compareVersionsDesc, isPrerelease, parseVersion } from "./version";

export const SIMPLE_ACCEPT = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";
const JSON_TYPE = "application/vnd.pypi.simple.v1+json";

export interface IndexClientOptions {
  /** The simple index, e.g. https://nexus.example.com/repository/pypi/simple/ */
  url: string;
  /** No response headers by then: the index counts as not answering (default 5 s). */
  answerTimeoutMs?: number;
  /** The whole body of the project list (can be tens of MB on a full mirror; default 60 s). */
  listTimeoutMs?: number;
  /** The whole body of one project page (default 10 s). */
  pageTimeoutMs?: number;
}

export interface ProjectFile {
  filename: string;
  url: string;
  kind: FileKind;
  version?: string;
  yanked: boolean;
  yankedReason?: string;
  requiresPython?: string;
  sha256?: string;
  size?: number;
}

export interface VersionInfo {
  version: string;
  yanked: boolean;
  yankedReason?: string;
  requiresPython?: string;
  prerelease: boolean;
  kinds: FileKind[];
}

export interface ProjectPage {
  name: string;
  format: "json" | "html";
  files: ProjectFile[];
  /** Newest first. */
  versions: VersionInfo[];
  /** The newest version that is neither yanked nor a pre-release (else the newest one). */
  latest?: string;
}

export interface ProjectList {
  format: "json" | "html";
  names: string[];
}

export class SimpleIndexClient {
  readonly url: string;
  private readonly answerTimeoutMs: number;
  private readonly listTimeoutMs: number;
  private readonly pageTimeoutMs: number;

  constructor(opts: IndexClientOptions) {
    this.url = opts.url.endsWith("/") ? opts.url : `${opts.url}/`;
    this.answerTimeoutMs = opts.answerTimeoutMs ?? 5_000;
    this.listTimeoutMs = opts.listTimeoutMs ?? 60_000;
    this.pageTimeoutMs = opts.pageTimeoutMs ?? 10_000;
  }

  /** Where the index lives, without credentials, for messages. */
  get label(): string {
    const u = new URL(this.url);
    u.username = "";
    u.password = "";
    return u.toString();
  }

  async listProjects(): Promise<ProjectList> {
    const res = await this.get(this.url, SIMPLE_ACCEPT, this.listTimeoutMs);
    if (res.status !== 200) throw this.badStatus(res.status, "the project list");
    if (res.json) {
      const body = parseJson(res.text, "the project list", this.label) as { projects?: { name?: unknown }[] };
      const names = (Array.isArray(body.projects) ? body.projects : [])
        .map((p) => p.name)
        .filter((n): n is string => typeof n === "string");
      return { format: "json", names };
    }
    return {
      format: "html",
      names: parseAnchors(res.text)
        .map((a) => a.text)
        .filter(Boolean),
    };
  }

  /** undefined when the index has no such project. */
  async getProject(name: string): Promise<ProjectPage | undefined> {
    const normalized = normalizeName(name);
    const pageUrl = new URL(`${encodeURIComponent(normalized)}/`, this.url).toString();
    const res = await this.get(pageUrl, SIMPLE_ACCEPT, this.pageTimeoutMs);
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw this.badStatus(res.status, `the page of ${normalized}`);
    if (res.json) {
      const body = parseJson(res.text, `the page of ${normalized}`, this.label) as JsonProject;
      const files = (Array.isArray(body.files) ? body.files : [])
        .map((f) => fileFromJson(f, res.url, normalized))
        .filter((f): f is ProjectFile => !!f);
      const extra = Array.isArray(body.versions) ? body.versions.filter((v): v is string => typeof v === "string") : [];
      return buildPage(typeof body.name === "string" ? body.name : normalized, "json", files, extra);
    }
    const files = parseAnchors(res.text).map((a) => fileFromAnchor(a.href, a.text, a.attrs, res.url, normalized));
    return buildPage(normalized, "html", files, []);
  }

  /** The summary from the JSON API beside the simple index (/pypi/<name>/json), where the server has one. */
  async getSummary(name: string): Promise<{ summary?: string; name?: string } | undefined> {
    const u = new URL(this.url);
    const m = /^(.*\/)simple\/$/.exec(u.pathname);
    if (!m) return undefined;
    u.pathname = `${m[1]}pypi/${encodeURIComponent(normalizeName(name))}/json`;
    try {
      const res = await this.get(u.toString(), "application/json", Math.min(this.pageTimeoutMs, 5_000));
      if (res.status !== 200) return undefined;
      const info = (JSON.parse(res.text) as { info?: { summary?: unknown; name?: unknown } }).info;
      return {
        summary: typeof info?.summary === "string" && info.summary.trim() ? info.summary.trim() : undefined,
        name: typeof info?.name === "string" ? info.name : undefined,
      };
    } catch {
      // The summary is a nicety: a proxy without the JSON API (or a slow one) still lists versions.
      return undefined;
    }
  }

  private badStatus(status: number, what: string): IndexUnavailableError {
    return new IndexUnavailableError(502, "index_error", `The package index at ${this.label} answered ${status} for ${what}.`);
  }

  private async get(
    url: string,
    accept: string,
    bodyTimeoutMs: number,
  ): Promise<{ status: number; json: boolean; text: string; url: string }> {
    const ac = new AbortController();
    let phase: "answer" | "body" = "answer";
    const answerTimer = setTimeout(() => ac.abort(), this.answerTimeoutMs);
    const bodyTimer = setTimeout(() => ac.abort(), bodyTimeoutMs);
    try {
      const res = await fetch(url, { headers: { accept }, signal: ac.signal, redirect: "follow" });
      clearTimeout(answerTimer);
      phase = "body";
      const text = await res.text();
      const type = (res.headers.get("content-type") ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      return { status: res.status, json: type === JSON_TYPE, text, url: res.url || url };
    } catch (err) {
      if (ac.signal.aborted) {
        const s = (phase === "answer" ? this.answerTimeoutMs : bodyTimeoutMs) / 1000;
        const what = phase === "answer" ? "did not answer" : "did not finish sending its answer";
        throw new IndexUnavailableError(504, "index_timeout", `The package index at ${this.label} ${what} within ${s} s.`);
      }
      throw new IndexUnavailableError(
        502,
        "index_unreachable",
        `The package index at ${this.label} cannot be reached (${networkReason(err)}).`,
      );
    } finally {
      clearTimeout(answerTimer);
      clearTimeout(bodyTimer);
    }
  }
}

interface JsonFile {
  filename?: unknown;
  url?: unknown;
  hashes?: Record<string, unknown>;
  "requires-python"?: unknown;
  yanked?: unknown;
  size?: unknown;
}
interface JsonProject {
  name?: unknown;
  files?: JsonFile[];
  versions?: unknown[];
}

function parseJson(text: string, what: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new IndexUnavailableError(502, "index_error", `The package index at ${where} sent ${what} as JSON that cannot be read.`);
  }
}

function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "unknown host";
  if (code === "ECONNRESET" || code === "UND_ERR_SOCKET") return "the connection was cut";
  if (code) return code;
  return typeof cause?.message === "string" ? cause.message : String(err);
}

function fileFromJson(f: JsonFile, base: string, project: string): ProjectFile | undefined {
  if (typeof f.filename !== "string" || typeof f.url !== "string") return undefined;
  const out: ProjectFile = {
    filename: f.filename,
    url: new URL(f.url, base).toString(),
    kind: fileKind(f.filename),
    yanked: f.yanked === true || typeof f.yanked === "string",
  };
  const version = versionFromFilename(f.filename, project);
  if (version) out.version = version;
  if (typeof f.yanked === "string" && f.yanked) out.yankedReason = f.yanked;
  if (typeof f["requires-python"] === "string" && f["requires-python"]) out.requiresPython = f["requires-python"];
  if (typeof f.hashes?.sha256 === "string") out.sha256 = f.hashes.sha256;
  if (typeof f.size === "number") out.size = f.size;
  return out;
}

function fileFromAnchor(href: string, text: string, attrs: Record<string, string>, base: string, project: string): ProjectFile {
  const url = new URL(href, base);
  const hash = /^#sha256=([0-9a-f]{64})$/i.exec(url.hash)?.[1];
  const filename = text || decodeURIComponent(url.pathname.split("/").pop() ?? "");
  const out: ProjectFile = { filename, url: url.toString(), kind: fileKind(filename), yanked: "data-yanked" in attrs };
  const version = versionFromFilename(filename, project);
  if (version) out.version = version;
  if (attrs["data-yanked"]) out.yankedReason = attrs["data-yanked"];
  if (attrs["data-requires-python"]) out.requiresPython = attrs["data-requires-python"];
  if (hash) out.sha256 = hash.toLowerCase();
  return out;
}

/** PEP 592: a version is yanked when every one of its files is. */
function buildPage(name: string, format: "json" | "html", files: ProjectFile[], extraVersions: string[]): ProjectPage {
  const byVersion = new Map<string, ProjectFile[]>();
  for (const f of files) if (f.version) byVersion.set(f.version, [...(byVersion.get(f.version) ?? []), f]);
  for (const v of extraVersions) if (!byVersion.has(v)) byVersion.set(v, []);
  const versions: VersionInfo[] = [...byVersion.entries()].map(([version, fs]) => {
    const parsed = parseVersion(version);
    const info: VersionInfo = {
      version,
      yanked: fs.length > 0 && fs.every((f) => f.yanked),
      prerelease: parsed ? isPrerelease(parsed) : false,
      kinds: [...new Set(fs.map((f) => f.kind))],
    };
    const reason = fs.find((f) => f.yankedReason)?.yankedReason;
    if (info.yanked && reason) info.yankedReason = reason;
    const rp = fs.find((f) => f.requiresPython)?.requiresPython;
    if (rp) info.requiresPython = rp;
    return info;
  });
  versions.sort((a, b) => compareVersionsDesc(a.version, b.version));
  const page: ProjectPage = { name, format, files, versions };
  const latest = versions.find((v) => !v.yanked && !v.prerelease) ?? versions.find((v) => !v.yanked) ?? versions[0];
  if (latest) page.latest = latest.version;
  return page;
}
