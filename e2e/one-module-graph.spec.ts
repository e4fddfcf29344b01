/**
 * The process loads lib/ once (docs/architecture.md §1): Next's server chunks import it from the
 * built package @atrium/core instead of bundling their own copy, and state a route handler changes
 * is the state server.ts serves.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { projectFile } from "../scripts/build-server.mjs";
import { mlflowPost, userWithToken } from "./support/api";
import { DEV_URL } from "./support/env";

const root = path.resolve(import.meta.dirname, "..");
const serverDir = path.join(root, process.env.NEXT_DIST_DIR ?? ".next", "server");
const IMPORT = /(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']/g;

const filesUnder = (dir: string) =>
  readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" }).map((f) => path.join(root, dir, f));
const isLibOrDb = (file: string) => /^(lib|db)\//.test(path.relative(root, file));

/** lib/ and db/ modules that "use client" files import, directly or through other lib/ modules. */
function importedByClientFiles(): Set<string> {
  const pending = [...filesUnder("app"), ...filesUnder("components")].filter(
    (f) => /\.tsx?$/.test(f) && /^\s*["']use client["']/.test(readFileSync(f, "utf8")),
  );
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() ?? "";
    for (const [, spec] of readFileSync(file, "utf8").matchAll(IMPORT)) {
      if (!spec || !(spec.startsWith("@/lib/") || spec.startsWith("@/db/") || (spec.startsWith(".") && isLibOrDb(file)))) continue;
      const target = projectFile(spec, file);
      if (target && !seen.has(target)) {
        seen.add(target);
        pending.push(target);
      }
    }
  }
  return seen;
}

/** The lib/ and db/ sources compiled into Next's server chunks, read from their source maps. */
function bundledLibModules(): Set<string> {
  const found = new Set<string>();
  for (const rel of readdirSync(serverDir, { recursive: true, encoding: "utf8" })) {
    if (!rel.endsWith(".js.map")) continue;
    const mapFile = path.join(serverDir, rel);
    const { sources = [] } = JSON.parse(readFileSync(mapFile, "utf8")) as { sources?: string[] };
    for (const source of sources) {
      const file = path.resolve(path.dirname(mapFile), decodeURIComponent(source).split("?")[0] ?? "");
      if (isLibOrDb(file)) found.add(file);
    }
  }
  return found;
}

test("Next's server chunks bundle no lib/ or db/ module beyond the pure helpers client components use", () => {
  const bundled = bundledLibModules();
  const allowed = importedByClientFiles();
  const strays = [...bundled].filter((f) => !allowed.has(f)).map((f) => path.relative(root, f));
  expect(strays, "server-side files must import @atrium/core/lib/... (node /work/notes/codemod-c.mjs)").toEqual([]);
  expect([...bundled].map((f) => path.relative(root, f))).not.toContain("lib/runtime/context.ts");
  // And the route handlers do load the package: Turbopack links it under the build's node_modules.
  expect(readdirSync(path.join(serverDir, "..", "node_modules", "@atrium")).some((d) => d.startsWith("core"))).toBe(true);
});

test("a tracking write in a route handler shows on /metrics, which server.ts serves", async ({ request }) => {
  const token = await userWithToken(request, DEV_URL, "graph-writer");
  const writes = async () => {
    const text = await (await request.get(`${DEV_URL}/metrics`)).text();
    return Number(/^atrium_tracking_writes_total (\d+)$/m.exec(text)?.[1]);
  };
  const before = await writes();
  expect(before).toBeGreaterThanOrEqual(0);
  await mlflowPost(request, DEV_URL, token, "experiments/create", { name: `graph-${Date.now()}` });
  expect(await writes()).toBe(before + 1);
  // The election runs in server.ts; /api/health (a route handler) reads what it decided.
  const health = (await (await request.get(`${DEV_URL}/api/health`)).json()) as { replica: { leader: boolean } };
  expect(health.replica.leader).toBe(true);
});
