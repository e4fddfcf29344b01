/**
 * A replica's read-only bundle token (docs/serving.md, "Replicas"): made when the replica starts, stored hashed as an
 * api_tokens row of kind "bundle" with no scopes, revoked once the replica answers /ping (it has its bundle) or stops.
 * It opens exactly one thing, GET /api/serving/bundles/<its replica>: no other route resolves it to anybody
 * (lib/auth/principal.ts), so a model's code cannot write to MLflow or read another model with it.
 */
import type { Db } from "@/db/client";
import { findModelVersion } from "@/db/queries/registry";
import { findConfigs } from "@/db/queries/serving";
import { deleteBundleToken, findReplica, insertBundleToken, isBundleTokenOf } from "@/db/queries/serving-replicas";
import type { ArtifactStore } from "@/lib/artifacts/store";
import { credentialOf, type HeaderSource } from "@/lib/auth/credential";
import { generateToken, hashToken } from "@/lib/auth/tokens";
import { ApiError, notFound } from "@/lib/http/api-error";
import { modelVersionLocation } from "@/lib/tracking/registry/operations";
import { bundleStream, planBundle } from "./bundle";

/** Makes the token of a replica about to start; the raw token goes only into its container's environment. */
export async function issueBundleToken(db: Db, replicaId: string, owner: { id: string; name: string }): Promise<string> {
  const token = generateToken();
  await insertBundleToken(db, replicaId, owner, hashToken(token));
  return token;
}

export const revokeBundleToken = (db: Db, replicaId: string): Promise<void> => deleteBundleToken(db, replicaId);

const REFUSED = "Only this replica's own bundle token may fetch its bundle.";

/**
 * GET /api/serving/bundles/<replica>: the tar of Atrium's scoring server and the replica's model version, for that
 * replica's token only, while the replica is starting. Any other credential, a session included, is refused.
 */
export async function replicaBundle(
  db: Db,
  store: ArtifactStore,
  replicaId: string,
  headers: HeaderSource,
  maxBytes: number,
): Promise<Response> {
  const credential = credentialOf(headers);
  if (credential?.kind !== "token") {
    throw new ApiError(401, "unauthenticated", "A replica's bundle needs its bundle token in Authorization: Bearer.");
  }
  if (!(await isBundleTokenOf(db, replicaId, hashToken(credential.token)))) throw new ApiError(403, "forbidden", REFUSED);
  const replica = await findReplica(db, replicaId);
  if (replica?.state !== "starting")
    throw notFound("no_bundle", `The serving replica ${replicaId} is not starting, so it has no bundle to fetch.`);
  const [config] = await findConfigs(db, [replica.configId]);
  const entity = config?.servedEntities.find((e) => e.name === replica.servedEntity);
  const version = entity && (await findModelVersion(db, entity.entityName, replica.modelVersion));
  if (!entity || !version) throw notFound("no_bundle", `The model version the serving replica ${replicaId} serves no longer exists.`);
  const plan = await planBundle(store, await modelVersionLocation(db, version), maxBytes);
  return new Response(bundleStream(store, plan), { headers: { "content-type": "application/x-tar", "cache-control": "no-store" } });
}
