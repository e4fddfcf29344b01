import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  check,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  uniqueIndex,
  type AnyPgColumn,
} from "drizzle-orm/pg-core";
import {
  belongsTo,
  bigintNumber,
  createdAt,
  keyValueTable,
  onDeleteCascade,
  onDeleteUpdateCascade,
  timestampTz,
  updatedAt,
} from "./columns";

// The references many tables make; the referenced tables are defined below.
const userNameRef = (name: string) => belongsTo(text(name), () => users.name, onDeleteUpdateCascade);
/** Who owns the row: the person's immutable id (users.id). Names beside it are display data and URL keys. */
const ownerIdRef = () => belongsTo(text("owner_id"), () => users.id);
/**
 * The project a resource belongs to (docs/projects.md); null: its owner's personal space. A deleted project's
 * resources fall back to their owners' personal spaces, so deleting a project loses nothing anyone made.
 */
const projectRef = () => text("project_id").references(() => projects.id, { onDelete: "set null" });
const experimentRef = () => belongsTo(bigintNumber("experiment_id"), () => experiments.id);
const runRef = () => belongsTo(text("run_uuid"), () => runs.runUuid);
const registeredModelRef = () => belongsTo(text("name"), () => registeredModels.name, onDeleteUpdateCascade);
const loggedModelRef = () => belongsTo(text("model_id"), () => loggedModels.modelId);
const traceRef = () => belongsTo(text("trace_id"), () => traces.traceId);
/**
 * Who may use a workspace code or session: the server, by its owner's id and its name, and the person it
 * was issued to (the owner or an admin), by id: a person created again under a deleted one's name is
 * someone else and matches neither.
 */
const workspaceGrant = () => ({
  hash: text("hash").primaryKey(),
  ownerId: ownerIdRef(),
  serverName: text("server_name").notNull(),
  principalId: belongsTo(text("principal_id"), () => users.id),
});

export interface LimitOverrides {
  maxCpu?: number;
  maxMemGb?: number;
  maxServers?: number;
  maxTotalCpu?: number;
  maxTotalMemGb?: number;
  maxStorageGb?: number;
  maxPids?: number;
}

export const roles = pgTable("roles", {
  name: text("name").primaryKey(),
  /** Per server. */
  maxCpu: real("max_cpu").notNull(),
  maxMemGb: real("max_mem_gb").notNull(),
  maxServers: integer("max_servers").notNull(),
  /** Summed over a person's running servers. */
  maxTotalCpu: real("max_total_cpu").notNull(),
  maxTotalMemGb: real("max_total_mem_gb").notNull(),
  /** Artifact bytes (runs' and logged models' files) a person may own, in GiB. */
  maxStorageGb: real("max_storage_gb").notNull().default(10),
  /** Processes and threads one of a person's containers (workspace or job) may hold: its pids limit. */
  maxPids: integer("max_pids").notNull().default(1024),
  updatedAt: updatedAt(),
  /** Serving allowance (docs/serving.md): a person's endpoints, and the CPU and GiB their configs may hold in all (per replica × max replicas). */
  maxEndpoints: integer("max_endpoints").notNull().default(2),
  maxServingCpu: real("max_serving_cpu").notNull().default(2),
  maxServingMemGb: real("max_serving_mem_gb").notNull().default(4),
});

export type RoleSource = "default" | "oidc" | "admin" | "config";

export const users = pgTable(
  "users",
  {
    name: text("name").primaryKey(),
    /**
     * Random and never reused (newUserId): sessions and home volumes are bound to it, so a person
     * created again under a deleted person's name is someone else.
     */
    id: text("id").notNull().unique("users_id_unique"),
    /** The engine volume mounted as her home: atrium-home-<id>, or atrium-home-<name> for people older than ids. */
    homeVolume: text("home_volume").notNull(),
    displayName: text("display_name"),
    email: text("email"),
    role: belongsTo(text("role"), () => roles.name, { onUpdate: "cascade" }),
    roleSource: text("role_source").$type<RoleSource>().notNull().default("default"),
    limits: jsonb("limits").$type<LimitOverrides>().notNull().default({}),
    createdAt: createdAt(),
    lastSeenAt: timestampTz("last_seen_at"),
    /**
     * The SSO identity this person is: the ID token's `iss` and `sub`, bound at her first SSO sign-in and
     * matched at every later one, never the name the provider folds to (docs/sessions.md, "SSO identities").
     * Null for people made by an admin or the development sign-in until an SSO sign-in claims them.
     */
    oidcIssuer: text("oidc_issuer"),
    oidcSubject: text("oidc_subject"),
    /** The SSO groups claim as of her last SSO sign-in (OIDC_GROUPS_CLAIM); what a share to a group matches (lib/sharing/). */
    ssoGroups: jsonb("sso_groups").$type<string[]>().notNull().default([]),
  },
  (t) => [index("users_role_idx").on(t.role), uniqueIndex("users_oidc_identity_idx").on(t.oidcIssuer, t.oidcSubject)],
);

/**
 * Server-side sessions: the session cookie (a JWT) carries a random session id whose hash is the key
 * here, so signing out, deleting the person or an admin's revocation ends the cookie on every replica.
 */
export const sessions = pgTable(
  "sessions",
  {
    /** sha256 of the session id; the id itself is only in the cookie. */
    idHash: text("id_hash").primaryKey(),
    /** Whose session it is: the person's id. */
    ownerId: ownerIdRef(),
    createdAt: createdAt(),
    expiresAt: timestampTz("expires_at").notNull(),
    lastSeenAt: timestampTz("last_seen_at").notNull().defaultNow(),
  },
  (t) => [index("sessions_owner_idx").on(t.ownerId), index("sessions_expires_idx").on(t.expiresAt)],
);

/**
 * People who were deleted: their id (never given again), name and home volume. The reconcile loop
 * stops containers still labelled with such an id, and no new person gets such a volume.
 */
export const deletedUsers = pgTable(
  "deleted_users",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    homeVolume: text("home_volume").notNull(),
    volumeKept: boolean("volume_kept").notNull(),
    deletedAt: timestampTz("deleted_at").notNull().defaultNow(),
  },
  (t) => [index("deleted_users_name_idx").on(t.name)],
);

/**
 * personal: made by a person; workspace: a server's or job's MLFLOW_TRACKING_TOKEN; bundle: a serving replica's
 * read-only token for its one bundle (lib/serving/bundle-token.ts), which no other route accepts.
 */
export type TokenKind = "personal" | "workspace" | "bundle";

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    /** The owner's name as her URLs spell it (`/api/users/<name>/tokens`); who owns it is `ownerId`. */
    userName: userNameRef("user_name"),
    ownerId: ownerIdRef(),
    /** sha256 of the token; the token itself is never stored. */
    hash: text("hash").notNull(),
    kind: text("kind").$type<TokenKind>().notNull().default("personal"),
    note: text("note"),
    /** Scope names from lib/auth/scopes.ts as granted (not expanded); none: the token can do nothing. */
    scopes: jsonb("scopes").$type<string[]>().notNull().default([]),
    createdAt: createdAt(),
    lastUsedAt: timestampTz("last_used_at"),
    expiresAt: timestampTz("expires_at"),
  },
  (t) => [
    uniqueIndex("api_tokens_hash_idx").on(t.hash),
    index("api_tokens_user_idx").on(t.userName),
    index("api_tokens_owner_idx").on(t.ownerId),
  ],
);

export const auditEvents = pgTable(
  "audit_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestampTz("at").notNull().defaultNow(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    target: text("target"),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index("audit_at_idx").on(t.at), index("audit_actor_idx").on(t.actor, t.at), index("audit_action_idx").on(t.action, t.at)],
);

export const environments = pgTable("environments", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  image: text("image").notNull(),
  /** argv for the container; {baseUrl} and {port} are filled in. Null: the image's own command. */
  command: jsonb("command").$type<string[] | null>(),
  defaultCpu: real("default_cpu").notNull(),
  defaultMemGb: real("default_mem_gb").notNull(),
  /** The environment's own ceiling, on top of the role's; null means only the role limits. */
  maxCpu: real("max_cpu"),
  maxMemGb: real("max_mem_gb"),
  /** Empty means every role. */
  rolesAllowed: jsonb("roles_allowed").$type<string[]>().notNull().default([]),
  deprecated: boolean("deprecated").notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  /** Swarm placement constraints for its servers ("node.labels.gpu==true"); ignored by the docker backend. */
  constraints: jsonb("placement_constraints").$type<string[]>().notNull().default([]),
});

export type ServerState = "pending" | "running" | "stopping" | "stopped" | "failed";

export const servers = pgTable(
  "servers",
  {
    /** The owner's name, part of the server's address (`/user/<name>/<server>`); who owns it is `ownerId`. */
    userName: userNameRef("user_name"),
    ownerId: ownerIdRef(),
    name: text("name").notNull(),
    environmentId: text("environment_id").notNull(),
    cpu: real("cpu").notNull(),
    memGb: real("mem_gb").notNull(),
    status: text("status").$type<ServerState>().notNull(),
    /** Why it failed or stopped, in words a person can act on. */
    reason: text("reason"),
    phase: text("phase"),
    progress: integer("progress").notNull().default(0),
    message: text("message"),
    /** Where the portal reaches Jupyter, and the token it adds; never sent to a browser. */
    url: text("url"),
    jupyterToken: text("jupyter_token"),
    trackingTokenId: text("tracking_token_id"),
    imageId: text("image_id"),
    createdAt: createdAt(),
    requestedAt: timestampTz("requested_at").notNull().defaultNow(),
    startedAt: timestampTz("started_at"),
    stoppedAt: timestampTz("stopped_at"),
    lastActivity: timestampTz("last_activity"),
    /** The project it was started in (its allowance counts it, its notebooks log there); null: its owner's personal space. */
    projectId: projectRef(),
  },
  (t) => [
    primaryKey({ columns: [t.userName, t.name] }),
    index("servers_status_idx").on(t.status),
    index("servers_owner_idx").on(t.ownerId, t.status),
    index("servers_project_idx").on(t.projectId, t.status),
  ],
);

/** The server a share or share code is for; it goes with the server's row (removed, or its owner renamed). */
const sharedServer = () => ({
  userName: text("user_name").notNull(),
  serverName: text("server_name").notNull(),
});
const sharedServerKey = (t: { userName: AnyPgColumn; serverName: AnyPgColumn }, name: string) =>
  foreignKey({ name, columns: [t.userName, t.serverName], foreignColumns: [servers.userName, servers.name] })
    .onDelete("cascade")
    .onUpdate("cascade");

/**
 * JupyterHub's shares (docs/sharing.md): a running server opened by someone other than its owner, a person
 * (by users.id, so a namesake never inherits it) or everyone whose SSO groups claim holds `grantee_group`.
 */
export const serverShares = pgTable(
  "server_shares",
  {
    id: text("id").primaryKey(),
    ...sharedServer(),
    granteeUserId: text("grantee_user_id").references(() => users.id, onDeleteCascade),
    granteeGroup: text("grantee_group"),
    /** A project: its members, whoever they are at each request (docs/sharing.md); the share goes with the project. */
    granteeProjectId: text("grantee_project_id").references(() => projects.id, onDeleteCascade),
    createdById: text("created_by_id"),
    createdAt: createdAt(),
  },
  (t) => [
    sharedServerKey(t, "server_shares_server_fk"),
    check("server_shares_one_grantee", sql`num_nonnulls(${t.granteeUserId}, ${t.granteeGroup}, ${t.granteeProjectId}) = 1`),
    uniqueIndex("server_shares_user_idx").on(t.userName, t.serverName, t.granteeUserId),
    uniqueIndex("server_shares_group_idx").on(t.userName, t.serverName, t.granteeGroup),
    uniqueIndex("server_shares_project_idx").on(t.userName, t.serverName, t.granteeProjectId),
    index("server_shares_grantee_user_idx").on(t.granteeUserId),
    index("server_shares_grantee_group_idx").on(t.granteeGroup),
    index("server_shares_grantee_project_idx").on(t.granteeProjectId),
  ],
);

/** Share links: a random code, stored as its SHA-256, accepted once by a signed-in person before `expires_at`. */
export const serverShareCodes = pgTable(
  "server_share_codes",
  {
    /** Public id to list and delete it by; never the code. */
    id: text("id").primaryKey(),
    hash: text("hash").notNull().unique("server_share_codes_hash_unique"),
    ...sharedServer(),
    createdById: text("created_by_id"),
    createdAt: createdAt(),
    expiresAt: timestampTz("expires_at").notNull(),
  },
  (t) => [sharedServerKey(t, "server_share_codes_server_fk"), index("server_share_codes_server_idx").on(t.userName, t.serverName)],
);

// ---------------------------------------------------------------------------------------------
// Tracking (MLflow-compatible experiments and runs). Times are epoch milliseconds, as on the wire.

export type LifecycleStage = "active" | "deleted";
export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

export const experiments = pgTable(
  "experiments",
  {
    /** Sent as a string on the wire; "0" is the Default experiment, created on first use. */
    id: bigserial("id", { mode: "number" }).primaryKey(),
    name: text("name").notNull(),
    artifactLocation: text("artifact_location").notNull(),
    lifecycleStage: text("lifecycle_stage").$type<LifecycleStage>().notNull().default("active"),
    creationTime: bigintNumber("creation_time").notNull(),
    lastUpdateTime: bigintNumber("last_update_time").notNull(),
    /** Who created it, by name (null for Default): what pages show. */
    owner: text("owner"),
    /**
     * Who created it, by id (users.id): only she or an admin may change it (lib/auth/access.ts). Null for
     * Default and for what nobody owns (the bootstrap token's); then only admins may.
     */
    ownerId: text("owner_id"),
    projectId: projectRef(),
    /**
     * Bytes of its runs' and logged models' artifacts in the store, counted as uploads and deletes happen
     * (lib/projects/allowance-storage.ts): what its project's storage budget sums. Travels with the experiment.
     */
    artifactBytes: bigintNumber("artifact_bytes").notNull().default(0),
  },
  (t) => [
    uniqueIndex("experiments_name_idx").on(t.name),
    index("experiments_creation_idx").on(t.creationTime),
    index("experiments_project_idx").on(t.projectId),
    index("experiments_owner_idx").on(t.ownerId),
  ],
);

export const experimentTags = keyValueTable("experiment_tags", { experimentId: experimentRef() });

export const runs = pgTable(
  "runs",
  {
    /** 32 lower-case hex characters (uuid4().hex). */
    runUuid: text("run_uuid").primaryKey(),
    experimentId: experimentRef(),
    name: text("name").notNull(),
    /** The name of the Atrium user who created the run: MLflow's `user_id`, shown by clients. */
    userId: text("user_id").notNull(),
    /** Her id (users.id): only she or an admin may write to the run; null (admins only) for the bootstrap token's. */
    ownerId: text("owner_id"),
    status: text("status").$type<RunStatus>().notNull(),
    startTime: bigintNumber("start_time").notNull(),
    endTime: bigintNumber("end_time"),
    deletedTime: bigintNumber("deleted_time"),
    lifecycleStage: text("lifecycle_stage").$type<LifecycleStage>().notNull().default("active"),
    artifactUri: text("artifact_uri").notNull(),
  },
  (t) => [index("runs_experiment_start_idx").on(t.experimentId, t.startTime, t.runUuid), index("runs_user_idx").on(t.userId)],
);

export const runTags = keyValueTable("run_tags", { runUuid: runRef() });

export const runParams = keyValueTable("run_params", { runUuid: runRef() });

/** A run's metric point, in history and as the latest one. */
const metricPoint = () => ({
  runUuid: runRef(),
  key: text("key").notNull(),
  value: doublePrecision("value").notNull(),
  timestamp: bigintNumber("timestamp").notNull(),
  step: bigintNumber("step").notNull().default(0),
  isNan: boolean("is_nan").notNull().default(false),
});

/**
 * Full metric history, append-only. As in MLflow's SQL store NaN is stored as value 0 with is_nan, and
 * ±Infinity as ±Number.MAX_VALUE. The primary key (run_uuid, key, step, …) is also the history index, and
 * makes an exact duplicate point a no-op.
 */
export const metrics = pgTable("metrics", metricPoint(), (t) => [
  primaryKey({ columns: [t.runUuid, t.key, t.step, t.timestamp, t.value, t.isNan] }),
]);

/** Per (run, key) the point with the greatest (step, timestamp, value): what runs/get and search see. */
export const latestMetrics = pgTable("latest_metrics", metricPoint(), (t) => [
  primaryKey({ columns: [t.runUuid, t.key] }),
  index("latest_metrics_key_value_idx").on(t.key, t.value),
]);

/** What a key names in `experiment_keys`: a metric, a param or a tag of a run. */
export type ExperimentKeyKind = "metric" | "param" | "tag";

/**
 * Every metric, param and tag key ever logged to a run of the experiment: the runs page's column choices,
 * kept where the keys are written (db/queries/experiment-keys.ts) so a view reads a few rows instead of a DISTINCT
 * over every run. Keys stay when runs are deleted or a tag is removed (a column then shows blanks).
 */
export const experimentKeys = pgTable(
  "experiment_keys",
  {
    experimentId: experimentRef(),
    kind: text("kind").$type<ExperimentKeyKind>().notNull(),
    key: text("key").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.experimentId, t.kind, t.key] }),
    check("experiment_keys_kind", sql`${t.kind} in ('metric', 'param', 'tag')`),
  ],
);

// ---------------------------------------------------------------------------------------------
// Usage over time (admin charts, "my usage" on the home page). One row per minute per subject; the
// sampler deletes rows older than the retention window.

/**
 * "user" rows are per person, their subject her id (users.id: a person created again under a deleted
 * one's name starts with no history); "role" rows per role (its name); "total" has the single subject "all".
 */
export type UsageScope = "user" | "role" | "total";

export const usageSamples = pgTable(
  "usage_samples",
  {
    at: timestampTz("at").notNull(),
    scope: text("scope").$type<UsageScope>().notNull(),
    subject: text("subject").notNull(),
    /** What running servers were given (their limits) … */
    cpuAllocated: real("cpu_allocated").notNull(),
    memGbAllocated: real("mem_gb_allocated").notNull(),
    /** … and what they used at the sample (one engine stats reading). */
    cpuUsed: real("cpu_used").notNull(),
    memGbUsed: real("mem_gb_used").notNull(),
    servers: integer("servers").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.subject, t.at] }), index("usage_samples_at_idx").on(t.at)],
);

// ---------------------------------------------------------------------------------------------
// Model registry (MLflow-compatible). Renaming a model moves its versions, tags and aliases through
// ON UPDATE CASCADE on `name`; deleting a model deletes them (ON DELETE CASCADE).

export type ModelStage = "None" | "Staging" | "Production" | "Archived" | "Deleted_Internal";
export type ModelVersionStatus = "PENDING_REGISTRATION" | "FAILED_REGISTRATION" | "READY";

export const registeredModels = pgTable(
  "registered_models",
  {
    name: text("name").primaryKey(),
    creationTime: bigintNumber("creation_time").notNull(),
    lastUpdatedTime: bigintNumber("last_updated_time").notNull(),
    description: text("description"),
    /** The name of who registered it: MLflow's `user_id`. */
    userId: text("user_id").notNull(),
    /** Her id (users.id): only she or an admin may change or delete the model and its versions; null: admins only. */
    ownerId: text("owner_id"),
    projectId: projectRef(),
  },
  (t) => [
    index("registered_models_updated_idx").on(t.lastUpdatedTime),
    index("registered_models_project_idx").on(t.projectId),
    index("registered_models_owner_idx").on(t.ownerId),
  ],
);

export const registeredModelTags = keyValueTable("registered_model_tags", { name: registeredModelRef() });

export const registeredModelAliases = pgTable(
  "registered_model_aliases",
  {
    name: registeredModelRef(),
    alias: text("alias").notNull(),
    version: integer("version").notNull(),
  },
  (t) => [primaryKey({ columns: [t.name, t.alias] })],
);

/** A deleted version stays as a row with stage Deleted_Internal, so its number is never reused. */
export const modelVersions = pgTable(
  "model_versions",
  {
    name: registeredModelRef(),
    version: integer("version").notNull(),
    creationTime: bigintNumber("creation_time").notNull(),
    lastUpdatedTime: bigintNumber("last_updated_time").notNull(),
    description: text("description"),
    userId: text("user_id").notNull(),
    currentStage: text("current_stage").$type<ModelStage>().notNull().default("None"),
    source: text("source").notNull(),
    /** Where the files are when `source` is a `models:/<name>/<version>` (a copied version): get-download-uri answers it. */
    storageLocation: text("storage_location"),
    runId: text("run_id"),
    runLink: text("run_link"),
    status: text("status").$type<ModelVersionStatus>().notNull().default("READY"),
    statusMessage: text("status_message"),
  },
  (t) => [
    primaryKey({ columns: [t.name, t.version] }),
    index("model_versions_run_idx").on(t.runId),
    index("model_versions_updated_idx").on(t.lastUpdatedTime),
  ],
);

export const modelVersionTags = keyValueTable("model_version_tags", { name: registeredModelRef(), version: integer("version").notNull() });

// ---------------------------------------------------------------------------------------------
// Dataset inputs of runs (runs/log-inputs): a dataset is per experiment, keyed by (name, digest); an
// input links it to a run, with tags such as mlflow.data.context.

export const datasets = pgTable(
  "datasets",
  {
    id: text("id").primaryKey(),
    experimentId: experimentRef(),
    name: text("name").notNull(),
    digest: text("digest").notNull(),
    sourceType: text("source_type").notNull(),
    source: text("source").notNull(),
    schema: text("schema"),
    profile: text("profile"),
  },
  (t) => [uniqueIndex("datasets_experiment_name_digest_idx").on(t.experimentId, t.name, t.digest)],
);

export const runInputs = pgTable(
  "run_inputs",
  {
    id: text("id").primaryKey(),
    datasetId: belongsTo(text("dataset_id"), () => datasets.id),
    runUuid: runRef(),
  },
  (t) => [uniqueIndex("run_inputs_dataset_run_idx").on(t.datasetId, t.runUuid), index("run_inputs_run_idx").on(t.runUuid)],
);

/** The tag's name is in column `name`. */
export const runInputTags = keyValueTable(
  "run_input_tags",
  {
    inputId: belongsTo(text("input_id"), () => runInputs.id),
  },
  "name",
);

// ---------------------------------------------------------------------------------------------
// Packages: what each environment image ships, read once per image id (an image id never changes
// content, so the row never goes stale; a new image gets a new id and a new row).

export interface ImagePackage {
  name: string;
  version: string;
}

export const imagePackages = pgTable("image_packages", {
  /** The engine's image id ("sha256:..."). */
  imageId: text("image_id").primaryKey(),
  packages: jsonb("packages").$type<ImagePackage[]>().notNull(),
  pythonVersion: text("python_version"),
  /** Whether `pip install` as the workspace user lands in the home volume (kept across restarts). */
  userSiteInHome: boolean("user_site_in_home").notNull(),
  readAt: timestampTz("read_at").notNull().defaultNow(),
});

// ---------------------------------------------------------------------------------------------
// MLflow 3 logged models: a model logged to an experiment (optionally from a run), with its own
// artifact folder `mlflow-artifacts:/<experiment>/models/<model_id>/artifacts`.

export type LoggedModelStatus = "LOGGED_MODEL_PENDING" | "LOGGED_MODEL_READY" | "LOGGED_MODEL_UPLOAD_FAILED";

export const loggedModels = pgTable(
  "logged_models",
  {
    /** "m-" + 32 lower-case hex characters, as MLflow 3 makes them. */
    modelId: text("model_id").primaryKey(),
    experimentId: experimentRef(),
    name: text("name").notNull(),
    modelType: text("model_type"),
    sourceRunId: text("source_run_id"),
    status: text("status").$type<LoggedModelStatus>().notNull(),
    statusMessage: text("status_message"),
    /** The name of the Atrium user who created it. */
    creator: text("creator").notNull(),
    /** Her id (users.id): only she or an admin may change it or its files; null: admins only. */
    ownerId: text("owner_id"),
    artifactLocation: text("artifact_location").notNull(),
    creationTime: bigintNumber("creation_time").notNull(),
    lastUpdatedTime: bigintNumber("last_updated_time").notNull(),
  },
  (t) => [
    index("logged_models_experiment_idx").on(t.experimentId, t.creationTime),
    index("logged_models_source_run_idx").on(t.sourceRunId, t.name),
  ],
);

export const loggedModelTags = keyValueTable("logged_model_tags", { modelId: loggedModelRef() });

export const loggedModelParams = keyValueTable("logged_model_params", { modelId: loggedModelRef() });

/**
 * Metrics logged with a `model_id` (MLflow 3 LogMetric / LogBatch): each point also belongs to that logged
 * model, optionally measured on a dataset (name and digest), and is returned in the model's `data.metrics`.
 */
export const loggedModelMetrics = pgTable(
  "logged_model_metrics",
  {
    modelId: loggedModelRef(),
    key: text("key").notNull(),
    value: doublePrecision("value").notNull(),
    timestamp: bigintNumber("timestamp").notNull(),
    step: bigintNumber("step").notNull(),
    runId: text("run_id"),
    datasetName: text("dataset_name"),
    datasetDigest: text("dataset_digest"),
  },
  (t) => [index("logged_model_metrics_model_key_idx").on(t.modelId, t.key, t.timestamp)],
);

/** A run's model inputs (MLflow 3 LogInputs `models`): the logged models it used, e.g. to evaluate them. */
export const loggedModelInputs = pgTable(
  "logged_model_inputs",
  {
    runUuid: runRef(),
    modelId: text("model_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runUuid, t.modelId] })],
);

/** A run's outputs (MLflow 3 LogOutputs): the models it produced, at which step. */
export const loggedModelOutputs = pgTable(
  "logged_model_outputs",
  {
    runUuid: runRef(),
    modelId: loggedModelRef(),
    step: bigintNumber("step").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runUuid, t.modelId, t.step] })],
);

/**
 * The workspace-origin handshake (docs/workspace-origin.md): a single-use code the portal issues to a
 * signed-in person for one server, consumed by the proxy on the workspace origin within a minute.
 * Only its SHA-256 is stored.
 */
export const workspaceCodes = pgTable("workspace_codes", {
  ...workspaceGrant(),
  /** Where to go after the handshake: a path under the server's prefix. */
  next: text("next").notNull(),
  expiresAt: timestampTz("expires_at").notNull(),
  /** The portal session it was issued from (null for an API token): signing out there ends it. */
  portalSession: text("portal_session").references(() => sessions.idHash, onDeleteCascade),
});

/** The workspace origin's own cookie sessions, one server each; only the cookie's SHA-256 is stored. */
export const workspaceSessions = pgTable(
  "workspace_sessions",
  {
    ...workspaceGrant(),
    createdAt: createdAt(),
    expiresAt: timestampTz("expires_at").notNull(),
    /** The portal session behind it (null for an API token): signing out of the portal, or a revocation, ends it too. */
    portalSession: text("portal_session").references(() => sessions.idHash, onDeleteCascade),
  },
  (t) => [index("workspace_sessions_expires_idx").on(t.expiresAt), index("workspace_sessions_server_idx").on(t.ownerId, t.serverName)],
);

/**
 * Artifact bytes each person owns (a run's or logged model's files belong to its creator), counted as
 * files are uploaded and deleted (lib/quota/storage.ts). Keyed by the person's id, so a name created
 * again starts at 0. Not a foreign key: runs outlive their owners (a deleted person's count stays with
 * her id). What nobody owns (the bootstrap token's runs) is not counted.
 */
export const storageUsage = pgTable("storage_usage", {
  ownerId: text("owner_id").primaryKey(),
  bytes: bigintNumber("bytes").notNull().default(0),
  updatedAt: updatedAt(),
});

/**
 * MLflow 3 traces (docs/mlflow-rest.md §6): one row per trace, its tags and metadata as JSON objects (MLflow's
 * maps; searched with `->>`), its spans in `trace_spans`. A trace lives in an experiment; its creator (or the
 * experiment's owner, or an admin) may change it (lib/tracking/traces/access.ts).
 */
export const traces = pgTable(
  "traces",
  {
    /** `tr-` and the OpenTelemetry trace id in 32 hex characters, as the MLflow 3 client makes them. */
    traceId: text("trace_id").primaryKey(),
    experimentId: experimentRef(),
    clientRequestId: text("client_request_id"),
    /** Epoch milliseconds. */
    requestTime: bigintNumber("request_time").notNull(),
    /** Milliseconds; null while the trace is in progress. */
    executionDuration: bigintNumber("execution_duration"),
    state: text("state").$type<"STATE_UNSPECIFIED" | "OK" | "ERROR" | "IN_PROGRESS">().notNull(),
    requestPreview: text("request_preview"),
    responsePreview: text("response_preview"),
    metadata: jsonb("metadata").$type<Record<string, string>>().notNull().default({}),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    /** Who started it (name and users.id), as runs keep theirs. */
    creator: text("creator"),
    ownerId: text("owner_id"),
    /** Bytes of span JSON stored for it, against MAX_TRACE_SPAN_BYTES (lib/tracking/traces/limits.ts). */
    spanBytes: integer("span_bytes").notNull().default(0),
  },
  (t) => [index("traces_experiment_time_idx").on(t.experimentId, t.requestTime, t.traceId)],
);

/** One span per row, its whole MLflow span dictionary in `content`; pages are read in (start, span_id) order. */
export const traceSpans = pgTable(
  "trace_spans",
  {
    traceId: traceRef(),
    /** 16 hex characters. */
    spanId: text("span_id").notNull(),
    parentSpanId: text("parent_span_id"),
    name: text("name").notNull(),
    spanType: text("span_type"),
    statusCode: text("status_code").notNull(),
    /** Epoch microseconds (nanoseconds do not fit a JavaScript number); `content` keeps the client's values. */
    startUs: bigintNumber("start_us").notNull(),
    endUs: bigintNumber("end_us"),
    content: jsonb("content").$type<Record<string, unknown>>().notNull(),
    sizeBytes: integer("size_bytes").notNull(),
  },
  (t) => [primaryKey({ columns: [t.traceId, t.spanId] }), index("trace_spans_order_idx").on(t.traceId, t.startUs, t.spanId)],
);

/** LinkTracesToRun: a trace shown under a run. Deleting either side drops the link, never the other side. */
export const traceRunLinks = pgTable(
  "trace_run_links",
  {
    traceId: traceRef(),
    runUuid: runRef(),
  },
  (t) => [primaryKey({ columns: [t.traceId, t.runUuid] }), index("trace_run_links_run_idx").on(t.runUuid)],
);

/** Feedback and expectations on a trace (or one of its spans), after mlflow/protos/assessments.proto. */
export const traceAssessments = pgTable(
  "trace_assessments",
  {
    /** `a-` and 32 hex characters. */
    assessmentId: text("assessment_id").primaryKey(),
    traceId: traceRef(),
    name: text("name").notNull(),
    kind: text("kind").$type<"feedback" | "expectation">().notNull(),
    /** The google.protobuf.Value (any JSON), or an expectation's serialized_value object. */
    value: jsonb("value").$type<unknown>(),
    /** Feedback's AssessmentError. */
    error: jsonb("error").$type<Record<string, string>>(),
    spanId: text("span_id"),
    sourceType: text("source_type").notNull(),
    sourceId: text("source_id"),
    rationale: text("rationale"),
    metadata: jsonb("metadata").$type<Record<string, string>>().notNull().default({}),
    /** The assessment this one replaces; that one becomes `valid = false`. */
    overrides: text("overrides"),
    valid: boolean("valid").notNull().default(true),
    createTime: bigintNumber("create_time").notNull(),
    lastUpdateTime: bigintNumber("last_update_time").notNull(),
    creator: text("creator"),
    ownerId: text("owner_id"),
  },
  (t) => [index("trace_assessments_trace_idx").on(t.traceId)],
);

// --- jobs (docs/jobs.md) ---------------------------------------------------------------------------

export type JobTrigger = "manual" | "cron" | "after";

/** A notebook or script in its owner's home, run on a trigger in one of the environments. */
export const jobs = pgTable(
  "jobs",
  {
    id: text("id").primaryKey(),
    /** The owner's name as pages show it; who owns the job is `ownerId`. */
    ownerName: userNameRef("owner_name"),
    ownerId: ownerIdRef(),
    name: text("name").notNull(),
    /** Relative to the home volume; a .ipynb runs through nbconvert, a .py as `python3 path args`. */
    path: text("path").notNull(),
    environmentId: text("environment_id").notNull(),
    cpu: real("cpu").notNull(),
    memGb: real("mem_gb").notNull(),
    parameters: jsonb("parameters").$type<Record<string, string>>().notNull().default({}),
    timeoutS: integer("timeout_s").notNull(),
    retries: integer("retries").notNull().default(0),
    trigger: text("trigger").$type<JobTrigger>().notNull(),
    cron: text("cron"),
    timeZone: text("time_zone"),
    /** trigger "after": runs when this job (of the same owner) succeeds. */
    afterJobId: text("after_job_id"),
    paused: boolean("paused").notNull().default(false),
    /** The latest cron time the scheduler has decided (started or skipped); a later due time is missed work. */
    scheduledThrough: timestampTz("scheduled_through"),
    projectId: projectRef(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("jobs_owner_name_idx").on(t.ownerName, t.name),
    index("jobs_after_idx").on(t.afterJobId),
    index("jobs_owner_idx").on(t.ownerId),
    index("jobs_project_idx").on(t.projectId),
  ],
);

export type ExecutionState = "queued" | "running" | "succeeded" | "failed" | "cancelled" | "timed_out";

export const jobExecutions = pgTable(
  "job_executions",
  {
    id: text("id").primaryKey(),
    jobId: belongsTo(text("job_id"), () => jobs.id),
    /**
     * Unique per thing to run: "<job id>@<scheduled ISO time>" for a cron slot, "…#<attempt>" for a
     * retry, "<job id>@after:<execution id>" for a follower. Two schedulers deciding the same minute
     * insert the same key; one insert wins and the other skips (insertExecution).
     */
    runKey: text("run_key").notNull(),
    attempt: integer("attempt").notNull().default(1),
    cause: text("cause").$type<"manual" | "cron" | "after" | "retry">().notNull(),
    scheduledFor: timestampTz("scheduled_for").notNull(),
    state: text("state").$type<ExecutionState>().notNull(),
    /** Why it ended, in words: "exited with code 2", "out of memory (limit 256 MiB)", "timed out after 60 s", "cancelled by ada". */
    reason: text("reason"),
    exitCode: integer("exit_code"),
    /** What it holds against the owner's totals while running (copied from the job when it starts). */
    cpu: real("cpu").notNull(),
    memGb: real("mem_gb").notNull(),
    requestedBy: text("requested_by"),
    /** The MLflow token injected as MLFLOW_TRACKING_TOKEN (api_tokens, hashed there); revoked at the end. */
    tokenId: text("token_id"),
    mlflowRunId: text("mlflow_run_id"),
    imageId: text("image_id"),
    createdAt: createdAt(),
    startedAt: timestampTz("started_at"),
    finishedAt: timestampTz("finished_at"),
  },
  (t) => [
    uniqueIndex("job_executions_run_key_idx").on(t.runKey),
    index("job_executions_job_idx").on(t.jobId, t.createdAt),
    index("job_executions_state_idx").on(t.state),
  ],
);

// --- event outbox (docs/architecture.md §5 "The event outbox") -----------------------------------------

/**
 * What happened, written in the same transaction as the change it reports (lib/events/outbox.ts), so a
 * change that rolls back leaves no event and a committed change always has one. `type` is MLflow's webhook
 * event name ("model_version_alias.created"), `payload` MLflow's webhook payload for it.
 */
export const events = pgTable(
  "events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    type: text("type").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    /** What it is about: "registered_model" and the model's name, "model_version" and "<name>/<version>". */
    entityType: text("entity_type").notNull(),
    entityId: text("entity_id").notNull(),
    /** Who did it: the user's id, null for the bootstrap token; and the name at the time. */
    actorId: text("actor_id"),
    actorName: text("actor_name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [index("events_created_idx").on(t.createdAt)],
);

/**
 * Each consumer's place in `events` (lib/events/delivery.ts): every event with an id at most `delivered_through`
 * has been delivered to it. The row is locked while a batch is delivered, so two replicas never hand the same
 * event to a consumer; a failed batch leaves the cursor and sets `retry_at` (backoff).
 */
export const eventCursors = pgTable("event_cursors", {
  consumer: text("consumer").primaryKey(),
  deliveredThrough: bigintNumber("delivered_through").notNull().default(0),
  failures: integer("failures").notNull().default(0),
  retryAt: timestampTz("retry_at"),
  lastError: text("last_error"),
  updatedAt: updatedAt(),
});

// --- model serving (docs/serving.md) ---------------------------------------------------------------

/** Databricks' endpoint state: whether it answers, and whether a config is being rolled out. */
export type EndpointReady = "READY" | "NOT_READY";
export type EndpointConfigUpdate = "NOT_UPDATING" | "IN_PROGRESS" | "UPDATE_FAILED" | "UPDATE_CANCELED";

/**
 * A serving endpoint: a name callers use (`/serving-endpoints/<name>/invocations`), its owner, and which
 * config revision serves (`active_config_id`) and which is being rolled out (`pending_config_id`).
 */
export const servingEndpoints = pgTable(
  "serving_endpoints",
  {
    /** Random, never reused: request log rows keep it after the endpoint is deleted. */
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** Owned by id; the endpoint goes with its person (lib/auth/access.ts). */
    ownerId: belongsTo(text("owner_id"), () => users.id),
    ready: text("ready").$type<EndpointReady>().notNull().default("NOT_READY"),
    configUpdate: text("config_update").$type<EndpointConfigUpdate>().notNull().default("IN_PROGRESS"),
    /** Why it is not ready or why the last update failed, in words a person can act on. */
    stateReason: text("state_reason"),
    activeConfigId: text("active_config_id"),
    pendingConfigId: text("pending_config_id"),
    /** "<model>@<alias>" for each served entity that follows an alias, so an alias move finds its endpoints. */
    followedAliases: text("followed_aliases").array().notNull().default([]),
    /** Databricks' `tags`: [{ key, value }]. */
    tags: jsonb("tags").$type<{ key: string; value: string }[]>().notNull().default([]),
    /** The share of requests whose bodies the request log keeps (0–1; every request gets a row regardless). */
    logSampleRate: real("log_sample_rate").notNull().default(1),
    /** The most bytes kept of each sampled request and response body. */
    logSampleBytes: integer("log_sample_bytes").notNull().default(4096),
    /** Days the request log keeps this endpoint's rows, also after the endpoint is deleted. */
    logRetentionDays: integer("log_retention_days").notNull().default(30),
    /** The last call through the proxy (throttled); scale to zero stops idle replicas from it. */
    lastInvokedAt: timestampTz("last_invoked_at"),
    /** A call found no ready replica of a scaled-to-zero entity: the reconciler starts one. */
    wakeRequestedAt: timestampTz("wake_requested_at"),
    projectId: projectRef(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("serving_endpoints_name_idx").on(t.name),
    index("serving_endpoints_project_idx").on(t.projectId),
    index("serving_endpoints_owner_idx").on(t.ownerId),
    index("serving_endpoints_aliases_idx").using("gin", t.followedAliases),
  ],
);

/** One served entity of a config, as stored (lib/serving/config.ts resolves it from the request). */
export interface ServedEntityRecord {
  name: string;
  entityName: string;
  /** The version served: the one asked for, or the one the alias pointed at when the config was made. */
  entityVersion: number;
  entityAlias: string | null;
  workloadSize: string;
  cpu: number;
  memGb: number;
  scaleToZeroEnabled: boolean;
  minReplicas: number;
  maxReplicas: number;
  /** An environment's id, or null: the image the model's training run recorded. */
  environmentId: string | null;
}

export interface TrafficRouteRecord {
  servedEntityName: string;
  trafficPercentage: number;
}

/**
 * A config revision of an endpoint, never changed once written: a change inserts the next version, and a
 * rollback applies an earlier revision's entities and routes again as a new one.
 */
export const servingEndpointConfigs = pgTable(
  "serving_endpoint_configs",
  {
    id: text("id").primaryKey(),
    endpointId: belongsTo(text("endpoint_id"), () => servingEndpoints.id),
    /** Databricks' `config_version`: 1, 2, … per endpoint. */
    version: integer("version").notNull(),
    servedEntities: jsonb("served_entities").$type<ServedEntityRecord[]>().notNull(),
    /** Percentages summing to 100, naming served entities only. */
    routes: jsonb("routes").$type<TrafficRouteRecord[]>().notNull(),
    /** A served entity that gets a copy of the traffic; its answers are logged, never returned. */
    shadowEntity: text("shadow_entity"),
    createdById: text("created_by_id"),
    createdByName: text("created_by_name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("serving_endpoint_configs_version_idx").on(t.endpointId, t.version)],
);

export type InvokeGranteeKind = "user" | "token";

/** Who besides the owner and admins may call an endpoint: a person (by id) or one API token (by id). */
export const servingEndpointGrants = pgTable(
  "serving_endpoint_grants",
  {
    endpointId: belongsTo(text("endpoint_id"), () => servingEndpoints.id),
    granteeKind: text("grantee_kind").$type<InvokeGranteeKind>().notNull(),
    /** users.id or api_tokens.id; a grant to a deleted person or token no longer matches anyone. */
    granteeId: text("grantee_id").notNull(),
    grantedById: text("granted_by_id"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.endpointId, t.granteeKind, t.granteeId] }),
    index("serving_endpoint_grants_grantee_idx").on(t.granteeId),
  ],
);

/**
 * A replica's life (docs/serving.md, "Replicas"): `starting` until its /ping answers, `ready` while the proxy
 * may send it requests, `draining` once a rollout or scale-down took it out of rotation (in-flight requests
 * finish), `stopped` once its workload is gone, `failed` with a reason when it never became ready.
 */
export type ReplicaState = "starting" | "ready" | "draining" | "stopped" | "failed";

/**
 * One running copy of one served entity of one config revision: a workload of kind "endpoint"
 * (lib/spawner/kinds.ts) whose id is this row's id. The reconciler (lib/serving/reconcile.ts) writes these
 * rows; the invocations proxy (lib/serving/proxy-policy.ts) reads the ready ones of the active config.
 */
export const servingReplicas = pgTable(
  "serving_replicas",
  {
    /** The workload id: lower-case letters, digits and "-", unique for ever. */
    id: text("id").primaryKey(),
    endpointId: belongsTo(text("endpoint_id"), () => servingEndpoints.id),
    configId: text("config_id").notNull(),
    /** The served entity's name in that config. */
    servedEntity: text("served_entity").notNull(),
    modelVersion: integer("model_version").notNull(),
    state: text("state").$type<ReplicaState>().notNull().default("starting"),
    /** Where the portal reaches it (http://host:port, no path); null until the engine says. */
    url: text("url"),
    /** Why it failed or stopped, in words a person can act on (a model that fails to load: its log's line). */
    reason: text("reason"),
    startedAt: createdAt(),
    readyAt: timestampTz("ready_at"),
    updatedAt: updatedAt(),
  },
  (t) => [index("serving_replicas_endpoint_idx").on(t.endpointId, t.state)],
);

/**
 * The request log ("inference table", issue 27 item 6): one row per request an endpoint answered. No foreign
 * key to the endpoint: deleting an endpoint keeps its rows until the retention ends.
 */
export const servingRequestLog = pgTable(
  "serving_request_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    endpointId: text("endpoint_id").notNull(),
    endpointName: text("endpoint_name").notNull(),
    at: timestampTz("at").notNull().defaultNow(),
    callerId: text("caller_id"),
    callerName: text("caller_name").notNull(),
    tokenId: text("token_id"),
    /** Null for a call refused before it reached a replica (401, 403, 503; docs/serving.md, "The request log"). */
    servedEntity: text("served_entity"),
    modelVersion: integer("model_version"),
    /** A copy sent to the shadow entity, whose answer the caller never saw. */
    shadow: boolean("shadow").notNull().default(false),
    status: integer("status").notNull(),
    latencyMs: real("latency_ms").notNull(),
    requestBytes: integer("request_bytes").notNull().default(0),
    responseBytes: integer("response_bytes").notNull().default(0),
    /** Sampled and capped bodies (null when not sampled). */
    requestSample: text("request_sample"),
    responseSample: text("response_sample"),
  },
  (t) => [
    index("serving_request_log_endpoint_idx").on(t.endpointId, t.at, t.id),
    index("serving_request_log_entity_idx").on(t.endpointId, t.servedEntity, t.at),
    index("serving_request_log_at_idx").on(t.at),
  ],
);

// --- registry webhooks (docs/webhooks.md) --------------------------------------------------------------

/**
 * MLflow's registry webhooks (mlflow/protos/webhooks.proto `Webhook`), managed by admins through
 * /api/2.0/mlflow/webhooks (lib/webhooks/operations.ts). `events` are MLflow's "entity.action" names; the
 * secret is kept encrypted (lib/webhooks/secret.ts), never answered. Timestamps are epoch ms, as MLflow's.
 */
export const webhooks = pgTable("webhooks", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  description: text("description"),
  url: text("url").notNull(),
  events: jsonb("events").$type<string[]>().notNull(),
  /** "ACTIVE" or "DISABLED". */
  status: text("status").notNull(),
  /** AES-256-GCM, "v1:<iv>:<tag>:<ciphertext>" in base64url; null: deliveries are not signed. */
  secretEncrypted: text("secret_encrypted"),
  creationTimestamp: bigintNumber("creation_timestamp").notNull(),
  lastUpdatedTimestamp: bigintNumber("last_updated_timestamp").notNull(),
});

/**
 * One row per attempt to deliver an event (or a test) to a webhook (lib/webhooks/deliver.ts). The webhooks
 * consumer of the outbox inserts attempt 1 in the transaction that moves its cursor, so each event is queued
 * once per webhook; the sender claims due rows (`claimed_until`, a lease), sends, records the outcome and,
 * on 429/5xx or a network error, queues attempt n+1 (`due_at` after the backoff or Retry-After). All attempts
 * of one delivery share `delivery_id` (X-MLflow-Delivery-Id) and `body`.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    webhookId: belongsTo(text("webhook_id"), () => webhooks.id),
    /** The outbox event (events.id; no reference, events are pruned); null for a test. */
    eventId: bigintNumber("event_id"),
    eventType: text("event_type").notNull(),
    deliveryId: text("delivery_id").notNull(),
    attempt: integer("attempt").notNull(),
    body: text("body").notNull(),
    dueAt: timestampTz("due_at").notNull(),
    claimedUntil: timestampTz("claimed_until"),
    statusCode: integer("status_code"),
    /** The first bytes of the receiver's answer (WEBHOOK_RESPONSE_SNIPPET_BYTES). */
    responseSnippet: text("response_snippet"),
    error: text("error"),
    durationMs: integer("duration_ms"),
    createdAt: createdAt(),
    finishedAt: timestampTz("finished_at"),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_attempt_idx").on(t.webhookId, t.eventId, t.attempt),
    index("webhook_deliveries_due_idx").on(t.finishedAt, t.dueAt),
    index("webhook_deliveries_recent_idx").on(t.webhookId, t.id),
  ],
);

// --- GenAI evaluation (docs/mlflow-rest.md §6b): evaluation datasets and registered scorers ------------------

/** An evaluation dataset (mlflow/protos/datasets.proto `Dataset`); linked to experiments by evaluationDatasetExperiments. */
export const evaluationDatasets = pgTable(
  "evaluation_datasets",
  {
    /** `d-` and 32 hex characters. */
    datasetId: text("dataset_id").primaryKey(),
    name: text("name").notNull(),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    /** JSON text, as the client sends them. */
    schema: text("schema"),
    profile: text("profile"),
    digest: text("digest").notNull(),
    createdTime: bigintNumber("created_time").notNull(),
    lastUpdateTime: bigintNumber("last_update_time").notNull(),
    createdBy: text("created_by"),
    lastUpdatedBy: text("last_updated_by"),
    ownerId: text("owner_id"),
    /** Kept with each upsert, against the caps in lib/tracking/datasets/limits.ts. */
    recordCount: integer("record_count").notNull().default(0),
    recordBytes: bigintNumber("record_bytes").notNull().default(0),
  },
  (t) => [index("evaluation_datasets_name_idx").on(t.name)],
);

export const evaluationDatasetExperiments = pgTable(
  "evaluation_dataset_experiments",
  {
    datasetId: belongsTo(text("dataset_id"), () => evaluationDatasets.datasetId),
    experimentId: experimentRef(),
  },
  (t) => [primaryKey({ columns: [t.datasetId, t.experimentId] }), index("evaluation_dataset_experiments_exp_idx").on(t.experimentId)],
);

/** One record (mlflow/protos/datasets.proto `DatasetRecord`); an upsert with the same inputs updates it. */
export const evaluationDatasetRecords = pgTable(
  "evaluation_dataset_records",
  {
    /** `dr-` and 32 hex characters. */
    recordId: text("record_id").primaryKey(),
    datasetId: belongsTo(text("dataset_id"), () => evaluationDatasets.datasetId),
    /** sha256 of the inputs' JSON with sorted keys, as MLflow's store keys records. */
    inputHash: text("input_hash").notNull(),
    inputs: jsonb("inputs").$type<Record<string, unknown>>().notNull(),
    outputs: jsonb("outputs").$type<unknown>(),
    expectations: jsonb("expectations").$type<Record<string, unknown>>(),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    source: jsonb("source").$type<Record<string, unknown>>(),
    sourceId: text("source_id"),
    sourceType: text("source_type"),
    createdTime: bigintNumber("created_time").notNull(),
    lastUpdateTime: bigintNumber("last_update_time").notNull(),
    createdBy: text("created_by"),
    lastUpdatedBy: text("last_updated_by"),
    sizeBytes: integer("size_bytes").notNull(),
  },
  (t) => [
    uniqueIndex("evaluation_dataset_records_input_idx").on(t.datasetId, t.inputHash),
    index("evaluation_dataset_records_page_idx").on(t.datasetId, t.createdTime, t.recordId),
  ],
);

/** A registered scorer's versions per experiment (service.proto `Scorer`); versions count up from 1. */
export const scorerVersions = pgTable(
  "scorer_versions",
  {
    experimentId: experimentRef(),
    name: text("name").notNull(),
    version: integer("version").notNull(),
    /** The same for every version of one (experiment, name). */
    scorerId: text("scorer_id").notNull(),
    serializedScorer: text("serialized_scorer").notNull(),
    creationTime: bigintNumber("creation_time").notNull(),
    creator: text("creator"),
    ownerId: text("owner_id"),
  },
  (t) => [primaryKey({ columns: [t.experimentId, t.name, t.version] })],
);

// --- projects (docs/projects.md) -------------------------------------------------------------------

export type ProjectRole = "viewer" | "user" | "editor" | "owner";

/**
 * A team's space: its experiments, registered models, jobs and serving endpoints carry its id. A person's
 * personal space has no row: a resource with a null `project_id` is in its owner's personal space.
 */
export const projects = pgTable("projects", {
  /** Random, never reused. */
  id: text("id").primaryKey(),
  /** URL-safe and unique: `/api/projects/<name>`, MLflow's workspace name (`X-MLFLOW-WORKSPACE`). */
  name: text("name").notNull().unique("projects_name_unique"),
  description: text("description").notNull().default(""),
  /** Who made it (users.id); null once she is deleted. */
  createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  /**
   * The project's allowance (lib/projects/allowance.ts), set by admins: CPUs and GiB its servers, running job
   * executions and endpoints hold in all, and how many endpoints it has. Null: no project limit (each person's
   * own limits still apply).
   */
  maxCpu: real("max_cpu"),
  maxMemGb: real("max_mem_gb"),
  maxEndpoints: integer("max_endpoints"),
  /** GiB of artifacts its experiments' runs and logged models may store in all (`experiments.artifact_bytes`); null: no limit. */
  maxStorageGb: real("max_storage_gb"),
});

/** A project's members: a person (by id) or an SSO group (by the name its claim carries), each with one role. */
export const projectMembers = pgTable(
  "project_members",
  {
    projectId: belongsTo(text("project_id"), () => projects.id),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    groupName: text("group_name"),
    role: text("role").$type<ProjectRole>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("project_members_user_idx").on(t.projectId, t.userId),
    uniqueIndex("project_members_group_idx").on(t.projectId, t.groupName),
    index("project_members_by_user_idx").on(t.userId),
    index("project_members_by_group_idx").on(t.groupName),
    check("project_members_one_member", sql`(${t.userId} is null) <> (${t.groupName} is null)`),
    check("project_members_role", sql`${t.role} in ('viewer', 'user', 'editor', 'owner')`),
  ],
);

/** MLflow's permission names, as its auth app's endpoints take and answer them (docs/projects.md, "Grants"). */
export type GrantPermission = "NO_PERMISSIONS" | "READ" | "USE" | "EDIT" | "MANAGE";
const grantColumns = () => ({
  /** The person it is granted to (users.id): a namesake made after she was deleted gets nothing. Null: a group's. */
  userId: text("user_id").references(() => users.id, onDeleteCascade),
  /** Or an SSO group, as the groups claim spells it (an Atrium extension: MLflow grants to people only). */
  granteeGroup: text("grantee_group"),
  permission: text("permission").$type<GrantPermission>().notNull(),
  /** Who granted it (users.id); null once she is deleted. */
  grantedBy: text("granted_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
const grantPermissionCheck = (name: string, permission: AnyPgColumn) =>
  check(name, sql`${permission} in ('NO_PERMISSIONS', 'READ', 'USE', 'EDIT', 'MANAGE')`);
/** One grantee per row, a person or a group; one row per resource and grantee; found by grantee for the principal. */
const grantKeys = (table: string, resource: AnyPgColumn, t: { userId: AnyPgColumn; granteeGroup: AnyPgColumn }) => [
  check(`${table}_one_grantee`, sql`(${t.userId} is null) <> (${t.granteeGroup} is null)`),
  uniqueIndex(`${table}_person_idx`).on(resource, t.userId),
  uniqueIndex(`${table}_group_idx`).on(resource, t.granteeGroup),
  index(`${table}_user_idx`).on(t.userId),
  index(`${table}_grantee_group_idx`).on(t.granteeGroup),
];

/**
 * MLflow's per-experiment permissions (its auth app's `experiments/permissions/*`): one person's level on one
 * experiment, an input to the one access rule (lib/auth/access.ts), deleted with the experiment or the person.
 */
export const experimentPermissions = pgTable("experiment_permissions", { experimentId: experimentRef(), ...grantColumns() }, (t) => [
  ...grantKeys("experiment_permissions", t.experimentId, t),
  grantPermissionCheck("experiment_permissions_permission", t.permission),
]);

/** MLflow's per-registered-model permissions (`registered-models/permissions/*`); they follow a rename. */
export const registeredModelPermissions = pgTable(
  "registered_model_permissions",
  { name: registeredModelRef(), ...grantColumns() },
  (t) => [
    ...grantKeys("registered_model_permissions", t.name, t),
    grantPermissionCheck("registered_model_permissions_permission", t.permission),
  ],
);
