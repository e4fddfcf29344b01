/**
 * ListArtifacts (`GET artifacts/list?run_id=…&path=…`, service.proto; what the R client and
 * MlflowClient.list_artifacts call when artifacts are not proxied): a run's files, paths relative to its
 * artifact root. The portal keeps them in one store, so the whole listing is one page and page_token is
 * accepted and ignored, as MLflow's local and proxied repositories do.
 */
import type { RunRow } from "@/db/queries/tracking";
import type { ArtifactStore } from "@/lib/artifacts/store";
import type { Body, TrackingContext } from "../context";
import type { Input, runs } from "../http/schemas";
import { listFilesUnder } from "../logged-models/artifacts";

export function listRunArtifacts(
  ctx: TrackingContext & { store?: ArtifactStore },
  input: Input<typeof runs.listArtifacts>,
  run: RunRow,
): Promise<Body> {
  return listFilesUnder(ctx, run.artifactUri, input.path ?? "", `run ${run.runUuid}`);
}
