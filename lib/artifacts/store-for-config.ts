import path from "node:path";
import type { AtriumConfig } from "@/lib/config";
import { LocalArtifactStore } from "./local-store";
import { s3ArtifactStoreFor } from "./s3-store";
import type { ArtifactStore } from "./store";

/** The S3 bucket when ATRIUM_ARTIFACT_S3_BUCKET is set, otherwise files under `<ATRIUM_DATA_DIR>/artifacts`. */
export function artifactStoreFor(config: Pick<AtriumConfig, "artifactS3" | "dataDir">): ArtifactStore {
  if (config.artifactS3) return s3ArtifactStoreFor(config.artifactS3);
  return new LocalArtifactStore(path.join(config.dataDir, "artifacts"));
}
