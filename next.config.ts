import type { NextConfig } from "next";

const config: NextConfig = {
  // Native or worker-based packages must be loaded by Node at run time, not bundled.
  serverExternalPackages: ["@electric-sql/pglite", "postgres", "dockerode", "ssh2", "cpu-features", "prom-client"],
  experimental: { authInterrupts: true },
  // Separate build folders let several test runs share one checkout.
  distDir: process.env.NEXT_DIST_DIR ?? ".next",
  poweredByHeader: false,
  devIndicators: false,
};

export default config;
