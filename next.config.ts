import type { NextConfig } from "next";

const config: NextConfig = {
  // Native or worker-based packages must be loaded by Node at run time, not bundled. @atrium/core is
  // lib/ and db/ compiled by scripts/build-server.mjs: loaded by Node, it is the same module instance
  // the server holds (docs/architecture.md §1).
  serverExternalPackages: ["@atrium/core", "@electric-sql/pglite", "postgres", "dockerode", "ssh2", "cpu-features", "prom-client"],
  turbopack: {
    // Server-side app/ files import lib/ as @atrium/core/lib/...; tsconfig.json maps that to the sources
    // for the type checker, this to the built package for Turbopack.
    resolveAlias: { "@atrium/core/*": "./node_modules/@atrium/core/*" },
  },
  experimental: { authInterrupts: true },
  // Separate build folders let several test runs share one checkout.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  poweredByHeader: false,
  devIndicators: false,
};

export default config;
