/**
 * Runs created with a workspace's MLflow token (an api_tokens row of kind "workspace", whose id the server
 * row keeps in tracking_token_id) are tagged with where they ran, so a run can be traced to its server,
 * environment and image. `mlflow.user` is the workspace's owner, not the container's OS user (jovyan).
 */
import type { Db } from "@/db/client";
import { findServerByTrackingToken } from "@/db/queries/servers";
import type { KeyValue } from "@/db/queries/tracking";
import type { Principal } from "@/lib/auth/principal";

import { ENVIRONMENT_TAG, IMAGE_ID_TAG, SERVER_TAG, USER_TAG } from "./atrium-tags";

/** The tags for a run created by this caller: empty unless the caller used a workspace's token. */
export async function workspaceRunTags(db: Db, principal: Principal): Promise<KeyValue[]> {
  if (principal.via !== "token" || !principal.tokenId) return [];
  const server = await findServerByTrackingToken(db, principal.tokenId);
  if (!server || server.userName !== principal.name) return [];
  const tags: KeyValue[] = [
    { key: SERVER_TAG, value: server.name },
    { key: ENVIRONMENT_TAG, value: server.environmentId },
    { key: USER_TAG, value: server.userName },
  ];
  if (server.imageId) tags.push({ key: IMAGE_ID_TAG, value: server.imageId });
  return tags;
}
