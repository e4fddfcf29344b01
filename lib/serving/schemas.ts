/**
 * The serving-endpoints API's input, in the shape Databricks' REST API and MLflow's Databricks deployment client
 * send it (docs/serving.md, "The serving-endpoints API"). Atrium's additions are marked; fields Databricks has and
 * Atrium does not support are unknown fields, refused by name rather than ignored.
 */
import { z } from "zod";
import { projectChoice } from "@/lib/projects/schemas";

/** Databricks' endpoint and served entity names: 1 to 63 letters, digits, dashes and underscores. */
export const ENDPOINT_NAME = /^[A-Za-z0-9_-]{1,63}$/;
export const endpointNameRule = "1 to 63 letters, digits, dashes (-) and underscores (_)";

const endpointName = z.string().regex(ENDPOINT_NAME, { error: `must be ${endpointNameRule}` });

/** The path's `<name>`: any string reaches here, so a bad one is a 404 like any unknown name, never a 500. */
export const endpointParamsSchema = z.object({ name: z.string().min(1).max(1000) });

/** Databricks' workload sizes as CPU and memory per replica (docs/serving.md); `cpu` and `memory_gb` override them. */
export const WORKLOAD_SIZES = {
  Small: { cpu: 0.5, memGb: 1 },
  Medium: { cpu: 2, memGb: 4 },
  Large: { cpu: 4, memGb: 16 },
} as const;
export type WorkloadSize = keyof typeof WORKLOAD_SIZES;

/** Ceilings no config passes whatever a role allows: a typo must not ask the engine for 10,000 replicas. */
export const MAX_REPLICAS = 16;
export const MAX_SERVED_ENTITIES = 10;
export const MAX_TAGS = 50;

const version = z.union([
  z.string().regex(/^[1-9][0-9]{0,8}$/, { error: "must be a version number such as 3" }),
  z.int().min(1).max(999_999_999),
]);

export const servedEntityInputSchema = z.strictObject({
  /** Unique in the config; default "<entity_name>-<version or alias>". */
  name: endpointName.optional(),
  /** A registered model's name. */
  entity_name: z.string().min(1).max(256),
  entity_version: version.optional(),
  /** Atrium: follow this alias of the model (exactly one of entity_version and entity_alias). */
  entity_alias: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,255}$/, { error: "must be an alias name: letters, digits, - and _" })
    .optional(),
  workload_size: z.enum(["Small", "Medium", "Large"]).optional(),
  workload_type: z.literal("CPU", { error: 'must be "CPU": Atrium serves on CPUs' }).optional(),
  scale_to_zero_enabled: z.boolean().optional(),
  /** Atrium: CPUs and GiB per replica, instead of the workload size's. */
  cpu: z.number().positive().max(64).optional(),
  memory_gb: z.number().positive().max(512).optional(),
  /** Atrium: replicas; min 0 needs scale_to_zero_enabled. */
  min_replicas: z.int().min(0).max(MAX_REPLICAS).optional(),
  max_replicas: z.int().min(1).max(MAX_REPLICAS).optional(),
  /** Atrium: an environment's id to serve in; default the image the model's training run recorded. */
  environment: z.string().min(1).max(200).optional(),
});
export type ServedEntityInput = z.output<typeof servedEntityInputSchema>;

const routeSchema = z.strictObject({
  /** Databricks names the entity either way; both, if given, must agree. */
  served_model_name: endpointName.optional(),
  served_entity_name: endpointName.optional(),
  traffic_percentage: z.int().min(0).max(100),
});

/** The request log's bounds per endpoint (docs/serving.md, "The request log"). */
export const MAX_LOG_SAMPLE_BYTES = 64 * 1024;
export const MAX_LOG_RETENTION_DAYS = 3650;

/**
 * Databricks' `auto_capture_config` (the inference table) as the request log's settings. Atrium keeps the log in its
 * own database, so Databricks' catalog_name, schema_name and table_name_prefix are unknown fields; `enabled: false`
 * keeps no bodies (every call still gets its row, which the charts read). Atrium's own fields say what they set.
 */
export const autoCaptureConfigSchema = z
  .strictObject({
    enabled: z.boolean().optional(),
    /** Atrium: the share of calls whose bodies are kept, 0 to 1 (default 1). */
    log_sample_rate: z.number().min(0, { error: "must be from 0 to 1" }).max(1, { error: "must be from 0 to 1" }).optional(),
    /** Atrium: the most bytes kept of each sampled body, 0 to 65536 (default 4096). */
    log_sample_bytes: z
      .int({ error: "must be a whole number of bytes" })
      .min(0, { error: `must be from 0 to ${MAX_LOG_SAMPLE_BYTES}` })
      .max(MAX_LOG_SAMPLE_BYTES, { error: `must be from 0 to ${MAX_LOG_SAMPLE_BYTES}` })
      .optional(),
    /** Atrium: days the rows are kept, 1 to 3650 (default 30). */
    log_retention_days: z
      .int({ error: "must be a whole number of days" })
      .min(1, { error: `must be from 1 to ${MAX_LOG_RETENTION_DAYS}` })
      .max(MAX_LOG_RETENTION_DAYS, { error: `must be from 1 to ${MAX_LOG_RETENTION_DAYS}` })
      .optional(),
  })
  .refine((c) => !(c.enabled === false && c.log_sample_rate !== undefined && c.log_sample_rate > 0), {
    error: "says enabled: false, which keeps no bodies, and a log_sample_rate above 0; give one or the other",
  });
export type AutoCaptureConfigInput = z.output<typeof autoCaptureConfigSchema>;

/** Databricks' EndpointCoreConfigInput: the body of PUT …/config, and `config` of a create. */
export const endpointConfigInputSchema = z.strictObject({
  served_entities: z.array(servedEntityInputSchema).min(1).max(MAX_SERVED_ENTITIES),
  traffic_config: z.strictObject({ routes: z.array(routeSchema).min(1).max(MAX_SERVED_ENTITIES) }).optional(),
  /** Atrium: a served entity that gets a copy of the traffic; its answers are logged, never returned. */
  shadow_entity_name: endpointName.optional(),
  /** The request log's settings; unchanged where left out. */
  auto_capture_config: autoCaptureConfigSchema.optional(),
});
export type EndpointConfigInput = z.output<typeof endpointConfigInputSchema>;

const tagSchema = z.strictObject({ key: z.string().min(1).max(255), value: z.string().max(1000).default("") });

/**
 * POST /api/2.0/serving-endpoints. `route_optimized` is accepted (MLflow's client always sends it) and has no
 * effect: the portal is the one network path.
 */
export const createEndpointSchema = z.strictObject({
  name: endpointName,
  config: endpointConfigInputSchema,
  tags: z.array(tagSchema).max(MAX_TAGS).optional(),
  route_optimized: z.boolean().optional(),
  /** Atrium: the project it is created in (else `X-MLFLOW-WORKSPACE`, else the personal space). */
  project: projectChoice,
});
export type CreateEndpointInput = z.output<typeof createEndpointSchema>;

/** PATCH /api/2.0/serving-endpoints/<name>/tags, as MLflow's `update_endpoint_tags` sends it (Databricks' PatchServingEndpointTags). */
export const patchTagsSchema = z.strictObject({
  add_tags: z.array(tagSchema).max(MAX_TAGS).optional(),
  delete_tags: z.array(z.string().min(1).max(255)).max(MAX_TAGS).optional(),
});
export type PatchTagsInput = z.output<typeof patchTagsSchema>;

export const MAX_GRANTS = 100;

/**
 * The invoke grants (Databricks' permissions API shape, narrowed): CAN_QUERY to a person by `user_name` or to one
 * API token by `token_id` (Atrium).
 */
const grantSchema = z
  .strictObject({
    user_name: z.string().min(1).max(200).optional(),
    token_id: z.string().min(1).max(200).optional(),
    permission_level: z.literal("CAN_QUERY", {
      error: "must be CAN_QUERY: its owner and admins manage an endpoint, and everyone signed in may view it",
    }),
  })
  .refine((g) => (g.user_name === undefined) !== (g.token_id === undefined), { error: "must name exactly one of user_name and token_id" });

export const permissionsInputSchema = z.strictObject({ access_control_list: z.array(grantSchema).max(MAX_GRANTS) });
export type PermissionsInput = z.output<typeof permissionsInputSchema>;

/** The endpoint page's removal of one grant: the grantee as the page lists it (a person's id, or a token's). */
export const grantRemovalSchema = z.strictObject({ kind: z.enum(["user", "token"]), id: z.string().min(1).max(200) });
export type GrantRemovalInput = z.output<typeof grantRemovalSchema>;
