/**
 * Which image a served entity runs in (docs/serving.md, "Replicas"): the environment it names, else the image its
 * model version's training run recorded (the run's `atrium.image_id` tag, lib/tracking/runs/atrium-tags.ts, which
 * workspaces and jobs put on every run), else the environment that run recorded. None of these: a sentence saying
 * to choose an environment.
 *
 * Run tags are written by any MLflow client, so a recorded image or environment is used only when it is one the
 * endpoint owner's role may use (lib/auth/access.ts, environmentRefusal): an image id counts when it is the current
 * image of such an environment, or one a server or job of such an environment ran. Otherwise anyone could serve in
 * any image on the engine, or in an environment her role is not given, by tagging a run.
 */
import type { Db } from "@/db/client";
import { environmentIdsThatRan, findEnvironment, listEnvironments, type EnvironmentRow } from "@/db/queries/environments";
import { findModelVersion } from "@/db/queries/registry";
import { runTagRows } from "@/db/queries/tracking";
import type { ServedEntityRecord } from "@/db/schema";
import { environmentRefusal } from "@/lib/auth/access";
import type { Spawner } from "@/lib/spawner";
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

function asServed(env: EnvironmentRow): ServedImage {
  return { image: env.image, environmentId: env.id, constraints: env.constraints.length ? env.constraints : undefined };
}

/** Whether a recorded image id is one an environment `role` may use runs or ran here. */
async function imageAllowed(db: Db, spawner: Pick<Spawner, "imageInfo">, imageId: string, role: string): Promise<boolean> {
  const usable = (await listEnvironments(db)).filter((e) => environmentRefusal(role, e) === null);
  const ran = new Set(await environmentIdsThatRan(db, imageId));
  if (usable.some((e) => ran.has(e.id))) return true;
  for (const env of usable) {
    const info = await spawner.imageInfo(env.image).catch(() => undefined);
    if (info?.id === imageId) return true;
  }
  return false;
}

export async function servedImage(
  db: Db,
  spawner: Pick<Spawner, "imageInfo">,
  entity: ServedEntityRecord,
  ownerRole: string,
): Promise<ServedImage> {
  const at = `served entity "${entity.name}"`;
  if (entity.environmentId !== null) {
    const env = await findEnvironment(db, entity.environmentId);
    if (!env) throw new ReplicaRefusal(`The environment "${entity.environmentId}" of ${at} no longer exists; choose another one.`);
    const refusal = environmentRefusal(ownerRole, env);
    if (refusal) throw new ReplicaRefusal(`${refusal.message} Choose another environment for ${at}.`);
    return asServed(env);
  }
  const version = await findModelVersion(db, entity.entityName, entity.entityVersion);
  if (!version) throw new ReplicaRefusal(`Version ${entity.entityVersion} of model "${entity.entityName}" no longer exists.`);
  const tags = version.runId ? await runTagRows.get(db, { runUuid: version.runId }) : [];
  const imageId = tags.find((t) => t.key === IMAGE_ID_TAG)?.value;
  if (imageId && (await imageAllowed(db, spawner, imageId, ownerRole))) return { image: imageId, environmentId: null };
  const envId = tags.find((t) => t.key === ENVIRONMENT_TAG)?.value;
  const env = envId ? await findEnvironment(db, envId) : undefined;
  if (env && environmentRefusal(ownerRole, env) === null) return asServed(env);
  const recorded = imageId
    ? `recorded an image (tag ${IMAGE_ID_TAG}) that no environment role '${ownerRole}' may use runs here`
    : `recorded no image (tag ${IMAGE_ID_TAG})`;
  throw new ReplicaRefusal(
    `The training run of version ${entity.entityVersion} of "${entity.entityName}" ${recorded}; give ${at} an environment to serve it in.`,
  );
}
