import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // As in tsconfig.json: server-side app/ files name lib/ as @atrium/core/lib/...; tests use the sources.
  resolve: { alias: { "@atrium/core": path.resolve(import.meta.dirname), "@": path.resolve(import.meta.dirname) } },
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "e2e/**", ".next/**"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration suites share one Postgres database; run files one after another.
    fileParallelism: false,
  },
});
