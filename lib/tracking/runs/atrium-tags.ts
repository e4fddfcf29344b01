/**
 * The tags Atrium puts on the runs it knows the origin of — a workspace's (workspace-tags.ts) and a
 * job execution's (lib/jobs/tracking-run.ts) — one name per meaning, so a search for
 * `tags."atrium.image_id"` finds both kinds.
 */
export const SERVER_TAG = "atrium.server";
export const JOB_TAG = "atrium.job";
export const EXECUTION_TAG = "atrium.execution";
export const ENVIRONMENT_TAG = "atrium.environment";
/** The engine's id of the image the code ran in (sha256:…), as `docker image inspect` shows it. */
export const IMAGE_ID_TAG = "atrium.image_id";
/** Why a job execution ended, in words. */
export const REASON_TAG = "atrium.reason";
/** The owner, not the container's OS user (jovyan). */
export const USER_TAG = "mlflow.user";
