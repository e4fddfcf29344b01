/**
 * Which image a served entity runs in (docs/serving.md, "Replicas"): the environment it names, else the image its
 * model version's training run recorded (the run's `atrium.image_id` tag, lib/tracking/runs/atrium-tags.ts, which
 * workspaces and jobs put on every run), else the environment that run recorded. None of these: a sentence saying
 * to choose an environment.
 */
import type { Db } from "@/db/client";
import { findEnvironment } from "@/db/queries/environments";
import { findModelVersion } from "@/db/queries/registry";
import { runTagRows } from "@/db/queries/tracking";
import type { ServedEntityRecord } from "@/db/schema";
import { ENVIRONMENT_TAG, IMAGE_ID_TAG } from "@/lib/tracking/runs/atrium-tags";

export interface ServedImage {
  image: string;
  environmentId: string | null;
  constraints?: string[];
}

/** Why a replica cannot be started at all; the rollout fails with this sentence. */
export class ReplicaRefusal extends Error {
  override name = "ReplicaRefusal";
}

async function environmentImage(db: Db, id: string): Promise<ServedImage | undefined> {
  const env = await findEnvironment(db, id);
  return env && { image: env.image, environmentId: env.id, constraints: env.constraints.length ? env.constraints : undefined };
}

export async function servedImage(db: Db, entity: ServedEntityRecord): Promise<ServedImage> {
  const at = `served entity "${entity.name}"`;
  if (entity.environmentId !== null) {
    const env = await environmentImage(db, entity.environmentId);
    if (!env) throw new ReplicaRefusal(`The environment "${entity.environmentId}" of ${at} no longer exists; choose another one.`);
    return env;
  }
  const version = await findModelVersion(db, entity.entityName, entity.entityVersion);
  if (!version) throw new ReplicaRefusal(`Version ${entity.entityVersion} of model "${entity.entityName}" no longer exists.`);
  const tags = version.runId ? await runTagRows.get(db, { runUuid: version.runId }) : [];
  const imageId = tags.find((t) => t.key === IMAGE_ID_TAG)?.value;
  if (imageId) return { image: imageId, environmentId: null };
  const envId = tags.find((t) => t.key === ENVIRONMENT_TAG)?.value;
  const env = envId ? await environmentImage(db, envId) : undefined;
  if (env) return env;
  throw new ReplicaRefusal(
    `The training run of version ${entity.entityVersion} of "${entity.entityName}" recorded no image (tag ${IMAGE_ID_TAG}); give ${at} an environment to serve it in.`,
  );
}
