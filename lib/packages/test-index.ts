/**
 * Test helper: real package indexes served from this machine. Builds real wheels (a zip with the
 * module and a .dist-info folder with METADATA, WHEEL and RECORD) and sdists with Python's zipfile
 * and tarfile, and serves them as an HTML-only PEP 503 index (as some Nexus and Artifactory set-ups
 * do) or as a PEP 691 index that negotiates JSON, with /pypi/<name>/json summaries. Not for production.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import os from "node:os";
import path from "node:path";
import { createHash } from "node:crypto";
import { normalizeName } from "./names";

export interface TestDist {
  /** As the author spells it, e.g. "Atrium_Demo.Pkg"; the module is the normalised name with "_". */
  name: string;
  version: string;
  summary?: string;
  requiresPython?: string;
  /** true, or the reason (PEP 592). */
  yanked?: true | string;
  /** Also publish an sdist (name-version.tar.gz). */
  sdist?: boolean;
  /** The wheel's python-abi-platform tag (default py3-none-any), e.g. "cp311-cp311-manylinux2014_x86_64". */
  wheelTag?: string;
}

interface BuiltFile {
  project: string;
  version: string;
  filename: string;
  body: Buffer;
  dist: TestDist;
}

const BUILD_SCRIPT = String.raw`
import base64, hashlib, io, json, sys, tarfile, zipfile
spec = json.loads(sys.argv[1]); out = sys.argv[2]
for d in spec:
    mod, ver, tag = d["module"], d["version"], d.get("wheelTag") or "py3-none-any"
    dist_info = f"{mod}-{ver}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {d['name']}\nVersion: {ver}\nSummary: {d.get('summary') or ''}\n"
    if d.get("requiresPython"): meta += f"Requires-Python: {d['requiresPython']}\n"
    files = {
        f"{mod}/__init__.py": f"__version__ = {ver!r}\nGREETING = 'hello from {mod} {ver}'\n",
        f"{dist_info}/METADATA": meta,
        f"{dist_info}/WHEEL": f"Wheel-Version: 1.0\nGenerator: atrium-test-index\nRoot-Is-Purelib: true\nTag: {tag}\n",
    }
    record = []
    for p, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{p},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    with zipfile.ZipFile(f"{out}/{mod}-{ver}-{tag}.whl", "w", zipfile.ZIP_DEFLATED) as z:
        for p, text in files.items(): z.writestr(p, text)
    if d.get("sdist"):
        with tarfile.open(f"{out}/{d['sdistStem']}-{ver}.tar.gz", "w:gz") as t:
            data = meta.encode(); info = tarfile.TarInfo(f"{d['sdistStem']}-{ver}/PKG-INFO"); info.size = len(data)
            t.addfile(info, io.BytesIO(data))
`;

/** Builds the wheels (and sdists) of `dists` with python3; returns the files with their bytes. */
function buildDistributions(dists: TestDist[]): BuiltFile[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), "atrium-wheels-"));
  try {
    const spec = dists.map((d) => ({ ...d, module: normalizeName(d.name).replaceAll("-", "_"), sdistStem: d.name }));
    execFileSync("python3", ["-c", BUILD_SCRIPT, JSON.stringify(spec), dir], { stdio: ["ignore", "ignore", "inherit"] });
    return dists.flatMap((d) => {
      const mod = normalizeName(d.name).replaceAll("-", "_");
      const names = [`${mod}-${d.version}-${d.wheelTag ?? "py3-none-any"}.whl`, ...(d.sdist ? [`${d.name}-${d.version}.tar.gz`] : [])];
      return names.map((filename) => ({
        project: normalizeName(d.name),
        version: d.version,
        filename,
        body: readFileSync(path.join(dir, filename)),
        dist: d,
      }));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface TestIndex {
  /** The simple index as this machine reaches it: http://127.0.0.1:<port>/simple/ */
  url: string;
  port: number;
  /** The same index under another host name, e.g. "host.docker.internal" for a container. */
  urlVia(host: string): string;
  /** Every request: method, path and Accept header, for assertions. */
  requests: { path: string; accept: string }[];
  files: BuiltFile[];
  /** From now on requests get no answer at all (a hung proxy), until resume(). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

const esc = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");
const JSON_TYPE = "application/vnd.pypi.simple.v1+json";

/**
 * Serves `dists` as a simple index. "html": PEP 503 only, whatever the client asks for. "json": PEP 691,
 * JSON when the Accept header asks for it (HTML otherwise), plus the /pypi/<name>/json API.
 */
export async function startTestIndex(opts: {
  format: "html" | "json";
  dists: TestDist[];
  host?: string;
  extraProjects?: string[];
}): Promise<TestIndex> {
  const files = buildDistributions(opts.dists);
  const projects = new Map<string, { display: string; files: BuiltFile[] }>();
  for (const f of files) {
    const p = projects.get(f.project) ?? { display: f.dist.name, files: [] };
    p.files.push(f);
    projects.set(f.project, p);
  }
  for (const extra of opts.extraProjects ?? [])
    if (!projects.has(normalizeName(extra))) projects.set(normalizeName(extra), { display: extra, files: [] });
  const requests: TestIndex["requests"] = [];
  let paused = false;
  const server = http.createServer((req, res) => {
    if (paused) return;
    const url = new URL(req.url ?? "/", "http://x");
    const accept = req.headers.accept ?? "";
    requests.push({ path: url.pathname, accept });
    const wantsJson = opts.format === "json" && accept.includes(JSON_TYPE);
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
      res.end(body);
    };
    const parts = url.pathname.split("/").filter(Boolean);
    if (parts[0] === "simple" && parts.length === 1) {
      const names = [...projects.values()].map((p) => p.display);
      if (wantsJson)
        return send(200, JSON_TYPE, JSON.stringify({ meta: { "api-version": "1.1" }, projects: names.map((name) => ({ name })) }));
      return send(
        200,
        "text/html; charset=utf-8",
        `<!DOCTYPE html><html><body>\n${names.map((n) => `<a href="/simple/${normalizeName(n)}/">${esc(n)}</a>`).join("\n")}\n</body></html>`,
      );
    }
    if (parts[0] === "simple" && parts.length === 2) {
      const key = decodeURIComponent(parts[1] ?? "");
      const project = projects.get(key);
      // PEP 503: a request for a name that is not normalised is redirected to the normalised one.
      if (!project && projects.has(normalizeName(key))) {
        res.writeHead(301, { location: `/simple/${normalizeName(key)}/` });
        return res.end();
      }
      if (!project) return send(404, "text/plain", "not found");
      if (wantsJson) {
        const body = {
          meta: { "api-version": "1.1" },
          name: key,
          versions: [...new Set(project.files.map((f) => f.version))],
          files: project.files.map((f) => ({
            filename: f.filename,
            url: `/files/${f.filename}`,
            hashes: { sha256: createHash("sha256").update(f.body).digest("hex") },
            "requires-python": f.dist.requiresPython ?? null,
            yanked: f.dist.yanked ?? false,
            size: f.body.length,
          })),
        };
        return send(200, JSON_TYPE, JSON.stringify(body));
      }
      const links = project.files.map((f) => {
        const sha = createHash("sha256").update(f.body).digest("hex");
        const rp = f.dist.requiresPython ? ` data-requires-python="${esc(f.dist.requiresPython)}"` : "";
        const y = f.dist.yanked === undefined ? "" : f.dist.yanked === true ? " data-yanked" : ` data-yanked="${esc(f.dist.yanked)}"`;
        return `<a href="../../files/${f.filename}#sha256=${sha}"${rp}${y}>${f.filename}</a><br/>`;
      });
      return send(
        200,
        "text/html; charset=utf-8",
        `<!DOCTYPE html><html><head><meta name="pypi:repository-version" content="1.0"></head><body>\n<h1>Links for ${esc(key)}</h1>\n${links.join("\n")}\n</body></html>`,
      );
    }
    if (parts[0] === "files" && parts.length === 2) {
      const f = files.find((x) => x.filename === decodeURIComponent(parts[1] ?? ""));
      if (f) return send(200, "application/octet-stream", f.body);
    }
    if (opts.format === "json" && parts[0] === "pypi" && parts[2] === "json" && parts.length === 3) {
      const project = projects.get(normalizeName(decodeURIComponent(parts[1] ?? "")));
      const first = project?.files[project.files.length - 1];
      if (project && first)
        return send(
          200,
          "application/json",
          JSON.stringify({ info: { name: project.display, version: first.version, summary: first.dist.summary ?? "" } }),
        );
    }
    send(404, "text/plain", "not found");
  });
  const sockets = new Set<Socket>();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, opts.host ?? "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/simple/`,
    port,
    urlVia: (host) => `http://${host}:${port}/simple/`,
    requests,
    files,
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
    },
    stop: () => closeServer(server, sockets),
  };
}

/** An "index" that accepts connections and never answers: the slow-proxy case. */
export async function startSilentIndex(): Promise<{ url: string; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = http.createServer(() => {
    // never respond
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/simple/`, stop: () => closeServer(server, sockets) };
}

/** A port nothing listens on (bound, then closed): the dead-proxy case. */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/simple/`;
}

function closeServer(server: http.Server, sockets: Set<Socket>): Promise<void> {
  for (const s of sockets) s.destroy();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}
