import path from "node:path";
import { getConfig } from "@/lib/config";
import { LocalArtifactStore } from "./local-store";
import type { ArtifactStore } from "./store";

// One store per process; Next's route bundles and server.ts are separate module graphs, hence globalThis.
const holder = globalThis as typeof globalThis & { __atriumArtifacts?: ArtifactStore };

/** The configured artifact store: `<ATRIUM_DATA_DIR>/artifacts` (S3-compatible storage is planned). */
export function getArtifactStore(): ArtifactStore {
  holder.__atriumArtifacts ??= new LocalArtifactStore(path.join(getConfig().dataDir, "artifacts"));
  return holder.__atriumArtifacts;
}
