/**
 * What runs in an endpoint's container when Atrium serves the model with its own scoring server
 * (docs/serving.md): `python3 -c <bootstrap>`, which fetches the endpoint's bundle (lib/serving/bundle.ts)
 * with a read-only token scoped to it, unpacks it and execs `scoring_server.py`. The Python sources live in
 * `lib/serving/runtime/` and are copied next to the compiled module (scripts/build-server.mjs).
 */
import { readFileSync } from "node:fs";
import path from "node:path";

/** The files of lib/serving/runtime/ that go into every bundle, beside `model/`. */
export const SCORING_SERVER_FILES = ["scoring_server.py", "mlmodel.py"] as const;

/** The port the scoring server listens on, as `mlflow models build-docker` images do, so one contract fits both. */
export const SCORING_PORT = 8080;

export function runtimeFile(name: string): string {
  return path.join(import.meta.dirname, "runtime", name);
}

/**
 * The container's command: the bootstrap passed on the command line, so any image with `python3` serves a
 * model without a file of Atrium's baked in and without a writable mount.
 */
export function servingCommand(): string[] {
  return ["python3", "-c", readFileSync(runtimeFile("bootstrap.py"), "utf8")];
}

export interface ServingEnvInput {
  /** Where the container fetches its bundle: the portal's bundle route for this endpoint's served entity. */
  bundleUrl: string;
  /** A read-only token that may fetch this one bundle and nothing else. */
  bundleToken: string;
  bundleMaxBytes: number;
  /** MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT: seconds one request may take before a 504. */
  requestTimeoutS?: number;
}

/** The container's environment for the bootstrap and the scoring server (docs/serving.md lists every variable). */
export function servingEnv(input: ServingEnvInput): Record<string, string> {
  return {
    ATRIUM_BUNDLE_URL: input.bundleUrl,
    ATRIUM_BUNDLE_TOKEN: input.bundleToken,
    ATRIUM_BUNDLE_MAX_BYTES: String(input.bundleMaxBytes),
    PORT: String(SCORING_PORT),
    ...(input.requestTimeoutS !== undefined ? { MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT: String(input.requestTimeoutS) } : {}),
  };
}
