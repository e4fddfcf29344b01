import { getConfig } from "@/lib/config";

/**
 * What every workspace and job execution finds in its environment so `mlflow` and `pip` reach the
 * portal without set-up: the tracking server (this portal), a token of its owner with only the
 * workspace scopes (DEFAULT_SCOPES.workspace in lib/auth/scopes.ts), the project it was started in as
 * MLflow's workspace (so `mlflow` logs into the project without code, docs/projects.md), and the company
 * index. Jupyter's own variables are the workspace's (workload.ts).
 */
export function portalEnv(opts: {
  user: string;
  /** A workspace's server name (ATRIUM_SERVER); a job has none. */
  server?: string;
  environment: string;
  image: string;
  trackingToken: string;
  /** The project's name when it was started in one; MLflow's client sends it as `X-MLFLOW-WORKSPACE`. */
  project?: string;
}): Record<string, string> {
  const config = getConfig();
  const env: Record<string, string> = {
    MLFLOW_TRACKING_URI: config.workspacePortalUrl,
    MLFLOW_TRACKING_TOKEN: opts.trackingToken,
    ATRIUM_URL: config.workspacePortalUrl,
    // The portal as the browser reaches it (ATRIUM_URL may be an address only containers can use):
    // JupyterLab's "Back to Atrium" links point there.
    ATRIUM_PUBLIC_URL: config.publicUrl,
    ATRIUM_USER: opts.user,
    ...(opts.server === undefined ? {} : { ATRIUM_SERVER: opts.server }),
    ATRIUM_ENVIRONMENT: opts.environment,
    ATRIUM_IMAGE: opts.image,
    ...(opts.project === undefined ? {} : { MLFLOW_WORKSPACE: opts.project }),
  };
  const index = config.workspacePipIndexUrl;
  if (index) {
    env.PIP_INDEX_URL = index;
    const u = new URL(index);
    if (u.protocol === "http:") env.PIP_TRUSTED_HOST = u.hostname;
  }
  return env;
}
