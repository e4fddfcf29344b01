import { runtime } from "@/lib/runtime/context";
import type { ArtifactStore } from "./store";

/** The configured artifact store (one per process, lib/runtime/context.ts). */
export function getArtifactStore(): ArtifactStore {
  return runtime.artifacts;
}
