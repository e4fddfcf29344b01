#!/usr/bin/env node
/**
 * Server-side files in app/ and components/ import lib/ and db/
 * through the built package @atrium/core (scripts/build-server.mjs, docs/architecture.md §1), which Next externalizes, so Next's
 * route handlers and pages share one module instance with server.ts. "use client" files and tests keep
 * `@/lib/...` (client bundles may copy the pure helpers they use). Idempotent; run from the repo root:
 *   node scripts/server-imports.mjs            rewrite
 *   node scripts/server-imports.mjs --check    list files that still need it, exit 1 if any
 */
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const root = process.cwd();
const check = process.argv.includes("--check");
const IMPORT = /((?:\bfrom|\bimport)\s*\(?\s*)(["'])@\/(lib|db)\//g;
const changed = [];
for (const dir of ["app", "components"]) {
  for (const rel of readdirSync(path.join(root, dir), { recursive: true, encoding: "utf8" })) {
    if (!/\.(ts|tsx)$/.test(rel) || /\.test\.tsx?$/.test(rel)) continue;
    const file = path.join(root, dir, rel);
    const text = readFileSync(file, "utf8");
    if (/^\s*(\/\/[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*["']use client["']/.test(text)) continue;
    const next = text.replace(IMPORT, (_m, lead, quote, top) => `${lead}${quote}@atrium/core/${top}/`);
    if (next === text) continue;
    changed.push(path.join(dir, rel));
    if (!check) writeFileSync(file, next);
  }
}
if (check) {
  for (const f of changed) console.log(`${f}: imports @/lib or @/db; use @atrium/core/... (server-side file)`);
  process.exit(changed.length ? 1 : 0);
}
console.log(`rewrote ${changed.length} files`);
