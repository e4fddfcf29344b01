import { getConfig } from "@/lib/config";
import { partKey, runtime } from "@/lib/runtime/context";
import type { ArtifactStore } from "./store";
import { artifactStoreFor } from "./store-for-config";

const ARTIFACT_STORE = partKey<ArtifactStore>("artifact store");

/** The configured artifact store (one per process, lib/runtime/context.ts). */
export function getArtifactStore(): ArtifactStore {
  return runtime.part(ARTIFACT_STORE, () => artifactStoreFor(getConfig()));
}
