import { isIP } from "node:net";
import path from "node:path";
import { z } from "zod";

/** Thrown when the environment is unusable; the message is one sentence naming the variable. */
export class ConfigError extends Error {}

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const url = (what: string) =>
  optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), {
    message: `must be an http(s) URL for ${what}`,
  });

const positiveInt = (fallback: number) =>
  optionalString
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .refine((n) => Number.isInteger(n) && n > 0, { message: "must be a positive whole number" });

/** A number of seconds, fractions allowed (a test's loop may tick every 0.1 s), from 0.05 to an hour. */
const seconds = (fallback: number) =>
  optionalString
    .transform((v) => (v === undefined ? fallback : Number(v)))
    .refine((n) => Number.isFinite(n) && n >= 0.05 && n <= 3600, { message: "must be a number of seconds from 0.05 to 3600" });

/** "true"/"false" (also 1/0, yes/no); undefined when unset, so the caller can pick a default. */
const optionalBoolean = optionalString
  .refine((v) => v === undefined || /^(true|false|1|0|yes|no)$/i.test(v), { message: 'must be "true" or "false"' })
  .transform((v) => (v === undefined ? undefined : /^(true|1|yes)$/i.test(v)));

const list = optionalString.transform((v) =>
  v === undefined
    ? []
    : v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
);

const envSchema = z.object({
  DATABASE_URL: optionalString.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: "must start with postgres:// or postgresql://",
  }),
  ATRIUM_DATA_DIR: optionalString,
  AUTH_SECRET: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: "must be at least 16 characters",
  }),
  OIDC_ISSUER: url("the OIDC issuer"),
  OIDC_CLIENT_ID: optionalString,
  OIDC_CLIENT_SECRET: optionalString,
  OIDC_ADMIN_GROUPS: list,
  OIDC_ROLE_GROUPS: optionalString,
  OIDC_DEFAULT_ROLE: optionalString,
  OIDC_SCOPES: optionalString,
  OIDC_GROUPS_CLAIM: optionalString,
  ATRIUM_ADMIN_USERS: list,
  ATRIUM_SPAWNER: optionalString.refine((v) => v === undefined || v === "docker" || v === "swarm", {
    message: 'must be "docker" or "swarm"',
  }),
  DOCKER_HOST: optionalString,
  ATRIUM_DOCKER_NETWORK: optionalString,
  ATRIUM_PORTAL_CONTAINER: optionalString.refine((v) => v === undefined || /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v), {
    message: "must be a container name or id (letters, digits, '_', '.', '-')",
  }),
  ATRIUM_SWARM_NETWORK: optionalString.refine((v) => v === undefined || /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(v), {
    message: "must be a network name (letters, digits, '_', '.', '-')",
  }),
  ATRIUM_SWARM_PUBLISH: optionalString.refine((v) => v === undefined || v === "host" || v === "none", {
    message: 'must be "host" (the portal runs on a host) or "none" (the portal is a service on ATRIUM_SWARM_NETWORK)',
  }),
  PYPI_INDEX_URL: url("the PyPI index"),
  ATRIUM_PUBLIC_URL: url("the portal's public address"),
  ATRIUM_WORKSPACE_PORTAL_URL: url("the portal as seen from a workspace"),
  ATRIUM_WORKSPACE_PIP_INDEX_URL: url("the PyPI index as seen from a workspace"),
  ATRIUM_IDLE_TIMEOUT_MIN: optionalString
    .transform((v) => (v === undefined ? 0 : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= 0, { message: "must be a whole number of minutes (0 turns culling off)" }),
  ATRIUM_BOOTSTRAP_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: "must be at least 16 characters",
  }),
  ATRIUM_LISTEN_HOST: optionalString.refine((v) => v === undefined || /^(?:[0-9.]+|\[?[0-9a-fA-F:]+\]?|[a-zA-Z0-9.-]+)$/.test(v), {
    message: "must be an address to listen on, such as 127.0.0.1 or 0.0.0.0",
  }),
  ATRIUM_WORKSPACE_LISTEN_HOST: optionalString.refine(
    (v) => v === undefined || v === "off" || /^(?:[0-9.]+|\[?[0-9a-fA-F:]+\]?)$/.test(v),
    {
      message: "must be an IP address to listen on for workspaces, or off",
    },
  ),
  PORT: positiveInt(3000).refine((n) => n < 65536, { message: "must be a port number below 65536" }),
  ATRIUM_SPAWN_TIMEOUT_S: positiveInt(120),
  // S3's bucket naming rules (MinIO applies the same ones); dots are allowed but not at the ends.
  ATRIUM_ARTIFACT_S3_BUCKET: optionalString.refine(
    (v) => v === undefined || (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(v) && !v.includes("..")),
    {
      message:
        "must be an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit",
    },
  ),
  ATRIUM_ARTIFACT_S3_PREFIX: optionalString
    .transform((v) => (v === undefined ? undefined : v.replace(/^\/+|\/+$/g, "") || undefined))
    .refine((v) => v === undefined || v.split("/").every((seg) => seg !== "" && seg !== "." && seg !== ".." && !seg.includes("\\")), {
      message: 'must be a key prefix such as "atrium/artifacts": segments joined by single slashes, none of them empty, "." or ".."',
    }),
  ATRIUM_ARTIFACT_S3_ENDPOINT: url("the S3-compatible artifact storage"),
  ATRIUM_ARTIFACT_S3_REGION: optionalString.refine((v) => v === undefined || /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(v), {
    message: "must be a region name such as us-east-1",
  }),
  ATRIUM_ARTIFACT_S3_FORCE_PATH_STYLE: optionalBoolean,
  AWS_ACCESS_KEY_ID: optionalString,
  AWS_SECRET_ACCESS_KEY: optionalString,
  ATRIUM_WORKSPACE_HOST: optionalString
    .transform((v) => v?.toLowerCase().replace(/^\*\./, ""))
    .refine(
      (v) => v === undefined || /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?$/.test(v),
      {
        message: 'must be a host name such as "ws.example.com" or "*.ws.example.com", optionally with ":port"',
      },
    ),
  ATRIUM_ADMIN_ACCESS: optionalBoolean,
  ATRIUM_SERVING_REQUEST_LOG: optionalBoolean,
  ATRIUM_DEFAULT_PERMISSION: optionalString
    .transform((v) => v?.toUpperCase())
    .refine((v) => v === undefined || v === "READ" || v === "NONE", {
      message: 'must be "READ" (people outside a project read its experiments, models and endpoints) or "NONE"',
    }),
  ATRIUM_USAGE_SAMPLE_S: optionalString
    .transform((v) => (v === undefined ? 60 : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 3600, { message: "must be a whole number of seconds from 1 to 3600" }),
  ATRIUM_JOBS_TICK_S: seconds(5),
  ATRIUM_JOBS_POLL_S: seconds(1),
  ATRIUM_EVENTS_TICK_S: seconds(1),
  ATRIUM_EVENTS_RETENTION_DAYS: optionalString
    .transform((v) => (v === undefined ? 7 : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 365, { message: "must be a whole number of days from 1 to 365" }),
  ATRIUM_JOB_LOG_MAX_MIB: optionalString
    .transform((v) => (v === undefined ? 64 : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 4096, { message: "must be a whole number of MiB from 1 to 4096" }),
  ATRIUM_SERVING_BUNDLE_MAX_MIB: optionalString
    .transform((v) => (v === undefined ? 2048 : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 65536, { message: "must be a whole number of MiB from 1 to 65536" }),
  ATRIUM_SERVING_TICK_S: seconds(2),
  ATRIUM_SERVING_DRAIN_S: seconds(30),
  ATRIUM_SERVING_IDLE_SECONDS: optionalString
    .transform((v) => (v === undefined ? 1800 : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= 10 && n <= 604800, { message: "must be a whole number of seconds from 10 to 604800" }),
  ATRIUM_SERVING_TARGET_CONCURRENCY: optionalString
    .transform((v) => (v === undefined ? 4 : Number(v)))
    .refine((n) => Number.isFinite(n) && n >= 0.1 && n <= 1000, {
      message: "must be a number of calls in flight per replica from 0.1 to 1000",
    }),
  ATRIUM_SERVING_SCALE_DOWN_S: optionalString
    .transform((v) => (v === undefined ? 300 : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= 10 && n <= 86400, { message: "must be a whole number of seconds from 10 to 86400" }),
  ATRIUM_METRICS_TOKEN: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: "must be at least 16 characters",
  }),
  ATRIUM_METRICS_ALLOW: list,
  ATRIUM_ALLOWED_HOSTS: list,
  // MLflow's own webhook switches (mlflow/environment_variables.py), same names and defaults.
  MLFLOW_WEBHOOK_ALLOWED_SCHEMES: list.refine((v) => v.every((s) => /^[a-z][a-z0-9+.-]*$/i.test(s)), {
    message: 'must be URL schemes separated by commas, such as "https,http"',
  }),
  MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS: optionalBoolean,
  MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY: optionalString.refine((v) => v === undefined || v.length >= 16, {
    message: "must be at least 16 characters",
  }),
  MLFLOW_WEBHOOK_REQUEST_TIMEOUT: optionalString
    .transform((v) => (v === undefined ? 30 : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= 1 && n <= 300, { message: "must be a whole number of seconds from 1 to 300" }),
  MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES: optionalString
    .transform((v) => (v === undefined ? 3 : Number(v)))
    .refine((n) => Number.isInteger(n) && n >= 0 && n <= 10, { message: "must be a whole number from 0 to 10" }),
});

/**
 * Artifacts in an S3 bucket (AWS, MinIO, Ceph...). Credentials are not here: the AWS SDK's default chain finds
 * them (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, then AWS_PROFILE and ~/.aws, web identity, container or instance roles).
 */
/** Workspaces on their own origin (ATRIUM_WORKSPACE_HOST); docs/workspace-origin.md. */
export interface WorkspaceHost {
  /** The domain under which every server gets one label, e.g. "ws.example.com" (lower case, no port). */
  domain: string;
  /** The port in workspace URLs; undefined: the scheme's default. */
  port: string | undefined;
  /** Taken from ATRIUM_PUBLIC_URL: workspaces are served the way the portal is. */
  scheme: "http" | "https";
}

export interface ArtifactS3Config {
  bucket: string;
  /** Prepended to every key with a "/", without leading or trailing slashes; undefined for the bucket's root. */
  prefix: string | undefined;
  endpoint: string | undefined;
  region: string;
  /** `<endpoint>/<bucket>/<key>` rather than `<bucket>.<endpoint>/<key>`, as MinIO and most self-hosted servers need. */
  forcePathStyle: boolean;
}

export type RoleGroupMap = Record<string, string>;

export interface AtriumConfig {
  databaseUrl: string | undefined;
  dataDir: string;
  authSecret: string | undefined;
  oidc:
    | {
        issuer: string;
        clientId: string;
        clientSecret: string;
        adminGroups: string[];
        roleGroups: RoleGroupMap;
        defaultRole: string;
        scopes: string;
        groupsClaim: string;
      }
    | undefined;
  adminUsers: string[];
  spawner: "docker" | "swarm";
  dockerHost: string | undefined;
  dockerNetwork: string | undefined;
  /** The portal's own container, when it reaches workloads by name (lib/spawner/portal-container.ts); unset: found. */
  portalContainer: string | undefined;
  /** swarm: the portal's own overlay network when it is a service there (workloads join their owner's overlay). */
  swarmNetwork: string;
  /** "none": the portal is on swarmNetwork and reaches workspaces by service name; nothing is published. */
  swarmPublish: "host" | "none";
  pypiIndexUrl: string | undefined;
  publicUrl: string;
  workspacePortalUrl: string;
  workspacePipIndexUrl: string | undefined;
  idleTimeoutMin: number;
  bootstrapToken: string | undefined;
  port: number;
  /** Where the server listens: loopback by default with the development sign-in, which must not face a network. */
  listenHost: string;
  /**
   * Where workspaces reach the portal's APIs when `listenHost` is loopback (lib/http/workspace-listener.ts):
   * an address, "off", or "auto" (the engine's host gateway, unless ATRIUM_WORKSPACE_PORTAL_URL says how).
   */
  workspaceListenHost: string;
  /** ATRIUM_WORKSPACE_PORTAL_URL was set: the operator said how workspaces reach the portal. */
  workspacePortalUrlGiven: boolean;
  spawnTimeoutS: number;
  /** undefined: artifacts are files under `<dataDir>/artifacts`. */
  artifactS3: ArtifactS3Config | undefined;
  /** Workspaces on their own origin, `<label>.<domain>`; undefined: served on the portal's origin. */
  workspaceHost: WorkspaceHost | undefined;
  /**
   * Whether admins may open other people's workspaces when they share the portal's origin
   * (ATRIUM_ADMIN_ACCESS, JupyterHub's admin_access). With a workspace host they always may.
   */
  adminAccess: boolean;
  /** Whether calls to serving endpoints are written to the request log (ATRIUM_SERVING_REQUEST_LOG, default true). */
  servingRequestLog: boolean;
  /** What people outside a project (or someone's personal space) may do with its tracking things and endpoints (docs/projects.md). */
  defaultPermission: "READ" | "NONE";
  /** Between two usage samples (ATRIUM_USAGE_SAMPLE_S). */
  usageSampleMs: number;
  /**
   * The leader's job scheduler: between two passes (ATRIUM_JOBS_TICK_S) and two checks of a running
   * execution (ATRIUM_JOBS_POLL_S); where a job's log is cut (ATRIUM_JOB_LOG_MAX_MIB), docs/jobs.md;
   * where an ended execution's log and notebook wait for their upload (`<dataDir>/job-spool`).
   */
  jobs: { tickMs: number; pollMs: number; logMaxBytes: number; spoolDir: string };
  /** The most bytes of model files a serving bundle may hold (ATRIUM_SERVING_BUNDLE_MAX_MIB, lib/serving/bundle.ts). */
  servingBundleMaxBytes: number;
  /**
   * The leader's serving reconciler (lib/serving/reconcile.ts): between two passes (ATRIUM_SERVING_TICK_S), how long a
   * replica taken out of rotation lives on for its requests in flight (ATRIUM_SERVING_DRAIN_S), and how long a
   * scale-to-zero entity stays up without a call (ATRIUM_SERVING_IDLE_SECONDS).
   */
  serving: {
    tickMs: number;
    drainMs: number;
    idleMs: number;
    /** Calls in flight one replica should carry; more scale an entity up toward max_replicas (ATRIUM_SERVING_TARGET_CONCURRENCY). */
    targetConcurrency: number;
    /** How long an entity's load must have wanted fewer replicas before they drain (ATRIUM_SERVING_SCALE_DOWN_S). */
    scaleDownMs: number;
  };
  /** The leader's event delivery (docs/architecture.md §5): between two passes, and how long delivered events are kept. */
  events: { tickMs: number; retentionDays: number };
  /** Who may read /metrics: a bearer token, and addresses or CIDR ranges (lib/metrics/access.ts). */
  metrics: { token: string | undefined; allow: string[] };
  /** Host names the portal answers to besides its own addresses (ATRIUM_ALLOWED_HOSTS, lib/http/allowed-host.ts); `*.x` or `.x` for a domain. */
  allowedHosts: string[];
  /** Registry webhooks (docs/webhooks.md), MLflow's MLFLOW_WEBHOOK_* variables. */
  webhooks: WebhookSettings;
}

export interface WebhookSettings {
  /** URL schemes a webhook may use; MLflow's default is https only. */
  allowedSchemes: string[];
  /** Loopback, private, link-local and other non-public addresses let through (refused by default). */
  allowPrivateIps: boolean;
  /** The key secrets are encrypted with; unset: derived from AUTH_SECRET (lib/webhooks/secret.ts). */
  secretEncryptionKey: string | undefined;
  /** Per attempt. */
  requestTimeoutMs: number;
  /** Attempts after the first on 429, 5xx or a network error. */
  maxRetries: number;
}

/** "data-science=user,gpu-users=power" → { "data-science": "user", "gpu-users": "power" } */
function parseRoleGroups(raw: string | undefined): RoleGroupMap {
  const map: RoleGroupMap = {};
  if (!raw) return map;
  for (const pair of raw.split(",")) {
    const [group, role] = pair.split("=").map((s) => s.trim());
    if (!group || !role) {
      throw new ConfigError(`OIDC_ROLE_GROUPS is invalid: "${pair.trim()}" should look like group=role.`);
    }
    map[group] = role;
  }
  return map;
}

/** ATRIUM_METRICS_ALLOW's entries, each an IP address or a CIDR range. */
function checkMetricsAllow(entries: string[]): string[] {
  for (const entry of entries) {
    const [addr = "", bits] = entry.split("/");
    const family = isIP(addr);
    if (!family) throw new ConfigError(`ATRIUM_METRICS_ALLOW is invalid: "${entry}" is not an IP address or CIDR range.`);
    const prefix = Number(bits);
    if (bits !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= (family === 4 ? 32 : 128)))
      throw new ConfigError(`ATRIUM_METRICS_ALLOW is invalid: "${entry}" has a bad prefix length.`);
  }
  return entries;
}

const HOST_NAME_RE = /^(?:\*\.|\.)?[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** ATRIUM_ALLOWED_HOSTS' entries: host names without scheme or port, lower-cased. */
function checkAllowedHosts(entries: string[]): string[] {
  return entries.map((entry) => {
    const name = entry.toLowerCase().replace(/\.$/, "");
    if (!HOST_NAME_RE.test(name))
      throw new ConfigError(
        `ATRIUM_ALLOWED_HOSTS is invalid: "${entry}" is not a host name such as atrium.example.com or *.example.com (no scheme, no port).`,
      );
    return name;
  });
}

/** Replaces the host of a URL so a container can reach a service listening on the host. */
function viaDockerHost(u: string): string {
  const parsed = new URL(u);
  if (parsed.hostname === "localhost" || parsed.hostname === "127.0.0.1") parsed.hostname = "host.docker.internal";
  return parsed.toString().replace(/\/$/, "");
}

const S3_SETTINGS = [
  "ATRIUM_ARTIFACT_S3_PREFIX",
  "ATRIUM_ARTIFACT_S3_ENDPOINT",
  "ATRIUM_ARTIFACT_S3_REGION",
  "ATRIUM_ARTIFACT_S3_FORCE_PATH_STYLE",
] as const;

function parseArtifactS3(e: z.infer<typeof envSchema>): ArtifactS3Config | undefined {
  if (!e.ATRIUM_ARTIFACT_S3_BUCKET) {
    // Otherwise a forgotten bucket would quietly put every artifact on the portal's local disk.
    const stray = S3_SETTINGS.find((name) => e[name] !== undefined);
    if (stray) throw new ConfigError(`ATRIUM_ARTIFACT_S3_BUCKET is missing: it is required when ${stray} is set.`);
    return undefined;
  }
  // The SDK would skip half a key pair and go on to the next credential source, failing much later and less clearly.
  if (e.AWS_ACCESS_KEY_ID && !e.AWS_SECRET_ACCESS_KEY)
    throw new ConfigError("AWS_SECRET_ACCESS_KEY is missing: it is required when AWS_ACCESS_KEY_ID is set.");
  if (e.AWS_SECRET_ACCESS_KEY && !e.AWS_ACCESS_KEY_ID)
    throw new ConfigError("AWS_ACCESS_KEY_ID is missing: it is required when AWS_SECRET_ACCESS_KEY is set.");
  return {
    bucket: e.ATRIUM_ARTIFACT_S3_BUCKET,
    prefix: e.ATRIUM_ARTIFACT_S3_PREFIX,
    endpoint: e.ATRIUM_ARTIFACT_S3_ENDPOINT?.replace(/\/$/, ""),
    region: e.ATRIUM_ARTIFACT_S3_REGION ?? "us-east-1",
    forcePathStyle: e.ATRIUM_ARTIFACT_S3_FORCE_PATH_STYLE ?? e.ATRIUM_ARTIFACT_S3_ENDPOINT !== undefined,
  };
}

/**
 * ATRIUM_WORKSPACE_HOST as a WorkspaceHost. The portal's own host must lie outside it: the server
 * routes every request for that domain to workspaces only.
 */
function parseWorkspaceHost(raw: string | undefined, publicUrl: string): WorkspaceHost | undefined {
  if (raw === undefined) return undefined;
  const [domain = "", port] = raw.split(":");
  const portal = new URL(publicUrl);
  const portalHost = portal.hostname.toLowerCase();
  if (portalHost === domain || portalHost.endsWith(`.${domain}`)) {
    throw new ConfigError(`ATRIUM_WORKSPACE_HOST is invalid: the portal (${portalHost}) must not be on the workspace domain ${domain}.`);
  }
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new ConfigError("ATRIUM_WORKSPACE_HOST is invalid: its port must be between 1 and 65535.");
  }
  return { domain, port, scheme: portal.protocol === "https:" ? "https" : "http" };
}

export function parseConfig(env: NodeJS.ProcessEnv): AtriumConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? "environment");
    throw new ConfigError(`${name} is invalid: it ${issue?.message ?? "has a bad value"}.`);
  }
  const e = parsed.data;
  let oidc: AtriumConfig["oidc"];
  if (e.OIDC_ISSUER) {
    if (!e.OIDC_CLIENT_ID) throw new ConfigError("OIDC_CLIENT_ID is missing: it is required when OIDC_ISSUER is set.");
    if (!e.OIDC_CLIENT_SECRET) throw new ConfigError("OIDC_CLIENT_SECRET is missing: it is required when OIDC_ISSUER is set.");
    oidc = {
      issuer: e.OIDC_ISSUER,
      clientId: e.OIDC_CLIENT_ID,
      clientSecret: e.OIDC_CLIENT_SECRET,
      adminGroups: e.OIDC_ADMIN_GROUPS,
      roleGroups: parseRoleGroups(e.OIDC_ROLE_GROUPS),
      defaultRole: e.OIDC_DEFAULT_ROLE ?? "user",
      scopes: e.OIDC_SCOPES ?? "openid profile email groups",
      groupsClaim: e.OIDC_GROUPS_CLAIM ?? "groups",
    };
  }
  const publicUrl = (e.ATRIUM_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, "");
  const dataDir = e.ATRIUM_DATA_DIR ?? ".atrium";
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir,
    authSecret: e.AUTH_SECRET,
    oidc,
    adminUsers: e.ATRIUM_ADMIN_USERS.length > 0 ? e.ATRIUM_ADMIN_USERS : oidc ? [] : ["admin"],
    spawner: e.ATRIUM_SPAWNER === "swarm" ? "swarm" : "docker",
    dockerHost: e.DOCKER_HOST,
    dockerNetwork: e.ATRIUM_DOCKER_NETWORK,
    portalContainer: e.ATRIUM_PORTAL_CONTAINER,
    swarmNetwork: e.ATRIUM_SWARM_NETWORK ?? "atrium-swarm",
    swarmPublish: e.ATRIUM_SWARM_PUBLISH === "none" ? "none" : "host",
    pypiIndexUrl: e.PYPI_INDEX_URL,
    publicUrl,
    workspacePortalUrl: e.ATRIUM_WORKSPACE_PORTAL_URL ?? viaDockerHost(`http://127.0.0.1:${e.PORT}`),
    workspacePipIndexUrl: e.ATRIUM_WORKSPACE_PIP_INDEX_URL ?? (e.PYPI_INDEX_URL ? viaDockerHost(e.PYPI_INDEX_URL) : undefined),
    idleTimeoutMin: e.ATRIUM_IDLE_TIMEOUT_MIN,
    bootstrapToken: e.ATRIUM_BOOTSTRAP_TOKEN,
    port: e.PORT,
    listenHost: e.ATRIUM_LISTEN_HOST?.replace(/^\[|\]$/g, "") ?? (oidc ? "0.0.0.0" : "127.0.0.1"),
    workspaceListenHost: e.ATRIUM_WORKSPACE_LISTEN_HOST?.replace(/^\[|\]$/g, "") ?? "auto",
    workspacePortalUrlGiven: e.ATRIUM_WORKSPACE_PORTAL_URL !== undefined,
    spawnTimeoutS: e.ATRIUM_SPAWN_TIMEOUT_S,
    artifactS3: parseArtifactS3(e),
    workspaceHost: parseWorkspaceHost(e.ATRIUM_WORKSPACE_HOST, publicUrl),
    adminAccess: e.ATRIUM_ADMIN_ACCESS ?? false,
    servingRequestLog: e.ATRIUM_SERVING_REQUEST_LOG ?? true,
    defaultPermission: e.ATRIUM_DEFAULT_PERMISSION === "NONE" ? "NONE" : "READ",
    usageSampleMs: e.ATRIUM_USAGE_SAMPLE_S * 1000,
    jobs: {
      tickMs: e.ATRIUM_JOBS_TICK_S * 1000,
      pollMs: e.ATRIUM_JOBS_POLL_S * 1000,
      logMaxBytes: e.ATRIUM_JOB_LOG_MAX_MIB * 1024 * 1024,
      spoolDir: path.join(dataDir, "job-spool"),
    },
    servingBundleMaxBytes: e.ATRIUM_SERVING_BUNDLE_MAX_MIB * 1024 * 1024,
    serving: {
      tickMs: e.ATRIUM_SERVING_TICK_S * 1000,
      drainMs: e.ATRIUM_SERVING_DRAIN_S * 1000,
      idleMs: e.ATRIUM_SERVING_IDLE_SECONDS * 1000,
      targetConcurrency: e.ATRIUM_SERVING_TARGET_CONCURRENCY,
      scaleDownMs: e.ATRIUM_SERVING_SCALE_DOWN_S * 1000,
    },
    events: { tickMs: e.ATRIUM_EVENTS_TICK_S * 1000, retentionDays: e.ATRIUM_EVENTS_RETENTION_DAYS },
    metrics: { token: e.ATRIUM_METRICS_TOKEN, allow: checkMetricsAllow(e.ATRIUM_METRICS_ALLOW) },
    allowedHosts: checkAllowedHosts(e.ATRIUM_ALLOWED_HOSTS),
    webhooks: {
      allowedSchemes:
        e.MLFLOW_WEBHOOK_ALLOWED_SCHEMES.length > 0 ? e.MLFLOW_WEBHOOK_ALLOWED_SCHEMES.map((s) => s.toLowerCase()) : ["https"],
      allowPrivateIps: e.MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS ?? false,
      secretEncryptionKey: e.MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY,
      requestTimeoutMs: e.MLFLOW_WEBHOOK_REQUEST_TIMEOUT * 1000,
      maxRetries: e.MLFLOW_WEBHOOK_REQUEST_MAX_RETRIES,
    },
  };
}

let cached: AtriumConfig | undefined;

/** The process's configuration, parsed once. */
export function getConfig(): AtriumConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
