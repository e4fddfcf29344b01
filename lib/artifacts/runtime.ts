import { getConfig } from "@/lib/config";
import { runtime } from "@/lib/runtime/context";
import type { ArtifactStore } from "./store";
import { artifactStoreFor } from "./store-for-config";

/** The configured artifact store (one per process, lib/runtime/context.ts). */
export function getArtifactStore(): ArtifactStore {
  return runtime.part("artifacts", () => artifactStoreFor(getConfig()));
}
