/** Types of scripts/build-server.mjs for the TypeScript that imports it (e2e/one-module-graph.spec.ts). */
export const OUT_DIR: string;
/** The source file an import inside the project names (`@/lib/x`, `./x`, `../x`), or null for a package. */
export function projectFile(spec: string, importer: string): string | null;
export function buildServer(options?: { clean?: boolean }): Promise<number>;
