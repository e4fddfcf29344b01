import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { asBootstrap, bearer, userWithToken } from "./support/api";
import { scanApiRoutes, scanPages, type ApiRoute } from "./support/admin-surface";
import { PORTALS } from "./support/env";
import { rawRequest, type RawResponse } from "./support/raw-http";

/**
 * Bad input never makes the portal answer 5xx. Every route under app/api (found by reading app/, as the
 * admin-surface test does) and every MLflow operation in the operation table gets NUL characters, huge and
 * negative numbers, wrong types, very long strings, malformed `%` escapes, deep nesting, arrays for
 * objects, empty bodies and invalid JSON, as an admin and as a plain user, on both portals (Postgres and
 * PGlite). Each answer must be < 500, and an error must be a JSON `{error, message}` (MLflow's
 * `{error_code, message}` on MLflow routes).
 */
const ROOT = path.resolve(import.meta.dirname, "..");
const USER = "a-fuzz";
/** A name no test creates, so admin calls that would change someone (DELETE /api/users/<name>) change nobody. */
const NOBODY = "a-fuzz-nobody";
const MLFLOW = "/api/2.0/mlflow";
const ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts";

/** Field names the handlers read, taken from the source so a new field is fuzzed the day it appears. */
function fieldNames(): string[] {
  const names = new Set<string>();
  const read = (dir: string, re: RegExp, only?: string) => {
    for (const f of readdirSync(path.join(ROOT, dir))) {
      if (!f.endsWith(".ts") || f.endsWith(".test.ts") || (only && f !== only)) continue;
      for (const m of readFileSync(path.join(ROOT, dir, f), "utf8").matchAll(re)) if (m[1]) names.add(m[1]);
    }
  };
  // MLflow's: the keys of the input schemas (lib/tracking/http/schemas.ts), `name: text()` and shorthand `{ name, version }`.
  read("lib/tracking/http", /\b([a-z][a-z_]*): /g, "schemas.ts");
  read("lib/tracking/http", /[{,] ([a-z][a-z_]*)(?= [,}])/g, "schemas.ts");
  // The portal's request schemas: the keys of the zod objects in lib/<domain>/schemas.ts.
  for (const dir of ["lib/admin", "lib/environments", "lib/packages", "lib/users", "lib/workspaces"])
    read(dir, /^\s+(\w+): /gm, "schemas.ts");
  return [...names].sort();
}
const FIELDS = fieldNames();

/**
 * The operation table (lib/tracking/http/operations.ts) read from the source: path under /api/ → methods. A
 * `{field}` segment (logged-models/{model_id}) gets a sample value; `v3(op(...))` rows are under 3.0/mlflow.
 */
function trackingRoutes(): Record<string, string[]> {
  const source = readFileSync(path.join(ROOT, "lib/tracking/http/operations.ts"), "utf8");
  const lists: Record<string, string[]> = { GET: ["GET"], POST: ["POST"], GET_POST: ["GET", "POST"], PATCH: ["PATCH"], DELETE: ["DELETE"] };
  const out: Record<string, string[]> = {};
  for (const m of source.matchAll(/^\s+(v3\()?op\("([\w/{}-]+)", (\w+),/gm)) {
    const route = `${m[1] ? "3.0" : "2.0"}/mlflow/${(m[2] ?? "").replace(/\{\w+\}/g, "x")}`;
    out[route] = [...(out[route] ?? []), ...(lists[m[3] ?? ""] ?? [])];
  }
  return out;
}
const TRACKING_ROUTES = trackingRoutes();

const LONG = "x".repeat(5000);
const NUL = "a\u0000b";
/** Values every field gets in turn (all fields at once, so checks on one field do not hide the others). */
const BAD_VALUES: Record<string, unknown> = {
  nul: NUL,
  "huge int": 1e20,
  "huge int string": "9223372036854775808",
  "int32 + 1": 2147483648,
  negative: -1,
  long: LONG,
  "year 0": "0000-01-01T00:00:00Z",
  "year 10000": "10000-01-01T00:00:00Z",
  array: [1, "a"],
  object: { a: 1 },
  boolean: true,
  null: null,
};

function allFields(value: unknown): Record<string, unknown> {
  return Object.fromEntries(FIELDS.map((f) => [f, value]));
}

/** The same as a query string (objects and arrays as JSON text, as a browser form could never send them). */
function queryOf(value: unknown): string {
  // Shorter long strings here: a query of every field at 5000 characters passes Node's 16 KiB header limit (431).
  const text = value === LONG ? LONG.slice(0, 100) : typeof value === "string" ? value : JSON.stringify(value);
  return FIELDS.map((f) => `${f}=${encodeURIComponent(text)}`).join("&");
}

/** `adminOnly`: one-field variants go past the permission checks only as an admin; a plain user's would stop at 403. */
const QUERIES: { label: string; query: string; adminOnly?: boolean; time?: boolean }[] = Object.entries(BAD_VALUES).map(([label, v]) => ({
  label: `query ${label}`,
  query: queryOf(v),
}));

/**
 * One field at a time for the values a type check lets through (a well-formed time in year 0, an
 * integer past int32): with every field bad at once, a failing `limit` would hide a bad `since`.
 */
const TIME_FIELDS = FIELDS.filter((f) => /since|until|time|date/i.test(f));
const NUMBER_FIELDS = FIELDS.filter((f) => /version|step|offset|limit|max_results|servers|cpu|mem|days/i.test(f));
/** Free-text filters, which pages and list routes pass to SQL (ILIKE) once their schema accepts them. */
const TEXT_FIELDS = ["q", "actor", "target", "filter", "name", "experiment_name", "run_name", "note", "description", "displayName"].filter(
  (f) => FIELDS.includes(f),
);
/** `time`: also sent to pages (they filter by time and text, but take no numbers past a page offset). */
const SINGLE_FIELD: { field: string; label: string; value: string | number; time?: boolean }[] = [
  ...TIME_FIELDS.flatMap((field) => [
    { field, label: "year 0", value: "0000-01-01T00:00:00Z", time: true },
    { field, label: "year 10000 by its offset", value: "9999-12-31T23:30:00-01:00", time: true },
  ]),
  ...NUMBER_FIELDS.map((field) => ({ field, label: "int32 + 1", value: 2147483648 })),
  ...TEXT_FIELDS.map((field) => ({ field, label: "NUL", value: NUL, time: true })),
];
for (const s of SINGLE_FIELD) {
  QUERIES.push({
    label: `query only ${s.field} ${s.label}`,
    query: `${s.field}=${encodeURIComponent(String(s.value))}`,
    adminOnly: true,
    time: s.time,
  });
}

interface Body {
  label: string;
  body?: string;
  adminOnly?: boolean;
}

let deep = "1";
for (let i = 0; i < 5000; i++) deep = `{"a":[${deep}]}`;

const BODIES: Body[] = [
  { label: "empty body" },
  { label: "invalid JSON", body: '{"name": ' },
  { label: "array for an object", body: "[1,2,3]" },
  { label: "string for an object", body: '"text"' },
  { label: "null body", body: "null" },
  { label: "deep nesting", body: deep },
  ...Object.entries(BAD_VALUES).map(([label, v]) => ({ label: `every field ${label}`, body: JSON.stringify(allFields(v)) })),
  {
    label: "every field a list of NUL objects",
    body: JSON.stringify(allFields([{ key: NUL, value: NUL, name: NUL, timestamp: 1e20, step: -1 }])),
  },
  ...SINGLE_FIELD.map((s) => ({ label: `only ${s.field} ${s.label}`, body: JSON.stringify({ [s.field]: s.value }), adminOnly: true })),
];

/** Dynamic segments: sensible values, then each bad one in turn. */
const SEGMENT_SAMPLES: Record<string, string> = {
  name: NOBODY,
  server: "default",
  role: "a-fuzz-role",
  id: "x",
  path: "x",
  nextauth: "session",
  version: "1",
};
const BAD_SEGMENTS: Record<string, string> = {
  "NUL segment": "a%00b",
  "malformed %": "%zz%E0%A4%A",
  "long segment": "x".repeat(300),
  "huge int segment": "1e20",
  "negative segment": "-1",
};

interface Case {
  label: string;
  method: string;
  path: string;
  body?: string;
  mlflow: boolean;
  /** A page: any status < 500 will do, the body is HTML. */
  page?: boolean;
  adminOnly?: boolean;
}

function concretePath(route: string, override?: [string, string]): string {
  return route.replace(/\[\[?(?:\.\.\.)?(\w+)\]?\]/g, (_, name: string) =>
    override?.[0] === name ? override[1] : encodeURIComponent(SEGMENT_SAMPLES[name] ?? "x"),
  );
}

function casesFor(method: string, base: string, mlflow: boolean, label: string): Case[] {
  const out: Case[] = [];
  if (method === "GET" || method === "DELETE") {
    for (const q of QUERIES) out.push({ label: `${label} ${q.label}`, method, path: `${base}?${q.query}`, mlflow, adminOnly: q.adminOnly });
  }
  if (method !== "GET")
    for (const b of BODIES) out.push({ label: `${label} ${b.label}`, method, path: base, body: b.body, mlflow, adminOnly: b.adminOnly });
  return out;
}

function routeCases(r: ApiRoute): Case[] {
  // The MLflow catch-all is fuzzed below operation by operation; here it gets its path checks only.
  const mlflow = /\/[23]\.0\/mlflow/.test(r.route);
  const dynamic = [...r.route.matchAll(/\[\[?(?:\.\.\.)?(\w+)\]?\]/g)].map((m) => m[1] ?? "");
  const out: Case[] =
    mlflow && !r.route.includes("mlflow-artifacts") ? [] : casesFor(r.method, concretePath(r.route), mlflow, `${r.method} ${r.route}`);
  for (const seg of dynamic) {
    for (const [label, value] of Object.entries(BAD_SEGMENTS)) {
      out.push({
        label: `${r.method} ${r.route} ${label} in [${seg}]`,
        method: r.method,
        path: concretePath(r.route, [seg, value]),
        mlflow,
      });
    }
  }
  out.push({ label: `TRACE ${r.route}`, method: "TRACE", path: concretePath(r.route), mlflow });
  return out;
}

/** Pages read dynamic segments and query strings too: each bad segment and each bad query, as GETs. */
function pageCases(route: string): Case[] {
  const queries = QUERIES.filter((q) => !q.adminOnly || q.time);
  const out: Case[] = queries.map((q) => ({
    label: `page ${route} ${q.label}`,
    method: "GET",
    path: `${concretePath(route)}?${q.query}`,
    mlflow: false,
    page: true,
    adminOnly: q.adminOnly,
  }));
  for (const m of route.matchAll(/\[\[?(?:\.\.\.)?(\w+)\]?\]/g)) {
    const seg = m[1] ?? "";
    for (const [label, value] of Object.entries(BAD_SEGMENTS)) {
      out.push({
        label: `page ${route} ${label} in [${seg}]`,
        method: "GET",
        path: concretePath(route, [seg, value]),
        mlflow: false,
        page: true,
      });
    }
  }
  return out;
}

function mlflowCases(): Case[] {
  const out: Case[] = [];
  for (const [op, methods] of Object.entries(TRACKING_ROUTES)) {
    for (const method of methods) out.push(...casesFor(method, `/api/${op}`, true, `${method} ${op}`));
  }
  out.push({ label: "mlflow malformed % in the operation", method: "GET", path: `${MLFLOW}/runs/%zz`, mlflow: true });
  out.push({ label: "mlflow NUL in the operation", method: "POST", path: `${MLFLOW}/runs%00/create`, body: "{}", mlflow: true });
  return out;
}

/** Artifact paths that reach the store: a segment over 255 bytes, a path through a file, a very long path. */
function artifactCases(runPath: string): Case[] {
  const long = "y".repeat(300);
  const out: Case[] = [];
  for (const method of ["GET", "PUT", "DELETE"]) {
    out.push({
      label: `${method} artifact segment of 300 bytes`,
      method,
      path: `${ARTIFACTS}/${runPath}/${long}`,
      body: method === "PUT" ? "x" : undefined,
      mlflow: true,
    });
    out.push({
      label: `${method} artifact path through a file`,
      method,
      path: `${ARTIFACTS}/${runPath}/f.txt/inner`,
      body: method === "PUT" ? "x" : undefined,
      mlflow: true,
    });
    out.push({
      label: `${method} artifact path of 5000 bytes`,
      method,
      path: `${ARTIFACTS}/${runPath}/${Array(40).fill("z".repeat(120)).join("/")}`,
      body: method === "PUT" ? "x" : undefined,
      mlflow: true,
    });
  }
  out.push({
    label: "GET artifact list ?path= of a 300-byte segment",
    method: "GET",
    path: `${ARTIFACTS}?path=${runPath}/${long}`,
    mlflow: true,
  });
  return out;
}

/**
 * Bodies valid but for one NUL in a free-text field, for portal routes whose schemas the all-fields-bad
 * bodies never get past: these reach an INSERT or UPDATE, where Postgres would refuse the NUL (22021).
 */
function validButNulCases(): Case[] {
  const env = { image: "atrium-workspace:1", defaultCpu: 1, defaultMemGb: 1 };
  const cases: [string, string, Record<string, unknown>][] = [
    ["POST", "/api/users", { name: "a-fuzz-nul", role: "user", displayName: NUL }],
    ["POST", `/api/users/${USER}/tokens`, { note: NUL }],
    ["POST", "/api/environments", { id: "a-fuzz-env", name: NUL, ...env }],
    ["PUT", "/api/environments/python", { name: "Python", description: NUL, ...env }],
    ["PUT", "/api/roles/a-fuzz-role", { maxCpu: 1, maxMemGb: 1, maxServers: 1, [`a${NUL}`]: 1 }],
  ];
  return cases.map(([method, p, body]) => ({
    label: `${method} ${p} valid but for a NUL`,
    method,
    path: p,
    body: JSON.stringify(body),
    mlflow: false,
    adminOnly: true,
  }));
}

/** Why an answer is wrong, or undefined when it is fine. */
function problemOf(c: Case, res: RawResponse): string | undefined {
  // The e2e portals have no package index: a 503 saying so is the truth about the server, not bad input.
  if (res.status === 503 && res.text.includes('"index_not_configured"')) return undefined;
  if (res.status >= 500) return `${res.status} ${res.text.slice(0, 160)}`;
  if (res.status < 400 || c.page || c.path.startsWith("/api/auth/")) return undefined;
  if (!String(res.headers["content-type"] ?? "").includes("json")) return `${res.status} is not JSON: ${res.text.slice(0, 120)}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.text) as Record<string, unknown>;
  } catch {
    return `${res.status} body is not JSON: ${res.text.slice(0, 120)}`;
  }
  const code = typeof body.error === "string" || typeof body.error_code === "string";
  if (!code || typeof body.message !== "string") return `${res.status} is not an error body: ${res.text.slice(0, 120)}`;
  return undefined;
}

async function runAll(base: string, cases: Case[], headers: Record<string, string>, parallel = 8): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < cases.length; i = next++) {
      const c = cases[i];
      if (!c) continue;
      const h: Record<string, string> = { ...headers };
      if (c.body !== undefined) h["content-type"] = "application/json";
      try {
        const problem = problemOf(c, await rawRequest({ base, method: c.method, path: c.path, headers: h, body: c.body }));
        if (problem) failures.push(`${c.label}: ${problem}`);
      } catch (err) {
        failures.push(`${c.label}: ${String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return failures.sort();
}

const routes = scanApiRoutes();
const pages = scanPages();

test("the scan finds every API route and every MLflow operation is fuzzed", () => {
  const found = routes.map((r) => `${r.method} ${r.route}`);
  for (const known of [
    "GET /api/me",
    "POST /api/users",
    "PUT /api/roles/[role]",
    "PUT /api/2.0/mlflow-artifacts/artifacts/[[...path]]",
    "POST /api/2.0/mlflow/[...path]",
    "GET /api/auth/[...nextauth]",
    "GET /api/audit",
    "GET /version",
  ]) {
    expect(found).toContain(known);
  }
  expect(pages).toEqual(expect.arrayContaining(["/models/[name]/versions/[version]", "/admin/audit", "/runs/[id]"]));
  expect(Object.keys(TRACKING_ROUTES).length).toBeGreaterThan(40);
  expect(Object.values(TRACKING_ROUTES).every((m) => m.length > 0)).toBe(true);
  expect(FIELDS).toEqual(expect.arrayContaining(["run_id", "experiment_id", "version", "since", "name", "maxCpu"]));
  expect(TIME_FIELDS).toEqual(expect.arrayContaining(["since", "until", "start_time"]));
  expect(NUMBER_FIELDS).toEqual(expect.arrayContaining(["version", "offset", "max_results"]));
});

for (const portal of PORTALS) {
  test.describe(`bad input on ${portal.name}`, () => {
    const base = portal.url;
    let userToken = "";
    let runPath = "";

    test.beforeAll(async ({ request }) => {
      userToken = await userWithToken(request, base, USER);
      const auth = bearer(userToken);
      const name = `a-fuzz-experiment`;
      let exp = await request.get(`${base}${MLFLOW}/experiments/get-by-name?experiment_name=${name}`, { headers: auth });
      if (exp.status() === 404) await request.post(`${base}${MLFLOW}/experiments/create`, { headers: auth, data: { name } });
      exp = await request.get(`${base}${MLFLOW}/experiments/get-by-name?experiment_name=${name}`, { headers: auth });
      const experimentId = ((await exp.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id;
      const run = await request.post(`${base}${MLFLOW}/runs/create`, { headers: auth, data: { experiment_id: experimentId } });
      const runId = ((await run.json()) as { run: { info: { run_id: string } } }).run.info.run_id;
      runPath = `${experimentId}/${runId}/artifacts`;
      const put = await request.put(`${base}${ARTIFACTS}/${runPath}/f.txt`, { headers: auth, data: "a file" });
      expect(put.status()).toBe(200);
    });

    for (const who of ["admin", "user"] as const) {
      test(`no route answers 5xx to bad input from ${who === "admin" ? "an admin" : "a plain user"}`, async () => {
        // The MLflow table has 3.0 rows (traces) besides the 2.0 ones: about 400 more requests than before.
        test.setTimeout(300_000);
        const headers = who === "admin" ? asBootstrap : bearer(userToken);
        const all = [
          ...routes.flatMap(routeCases),
          ...mlflowCases(),
          ...artifactCases(runPath),
          ...pages.flatMap(pageCases),
          ...validButNulCases(),
        ];
        const cases = who === "admin" ? all : all.filter((c) => !c.adminOnly);
        const failures = await runAll(base, cases, headers);
        expect(failures, `${failures.length} of ${cases.length} requests failed`).toEqual([]);
      });
    }
  });
}
