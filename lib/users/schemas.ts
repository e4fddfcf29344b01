import { z } from "zod";
import { roleNameSchema, userNameSchema } from "@/lib/auth/names";
import type { FieldLabels } from "@/lib/http/parse";
import { LIMIT_LABELS } from "@/lib/quota/limit-labels";
import { MAX_PIDS_LIMIT, MIN_PIDS_LIMIT } from "@/lib/spawner/hardening";

const cpu = z.number().positive().max(512);
const memGb = z.number().positive().max(8192);
const servers = z.number().int().min(0).max(100);
/** A container's pids limit (lib/spawner/hardening.ts). */
const pids = z.number().int().min(MIN_PIDS_LIMIT).max(MAX_PIDS_LIMIT);
/** GiB of artifacts; a PiB is far beyond any one person. */
const storageGb = z
  .number()
  .min(0)
  .max(1024 * 1024);

export const roleLimitsSchema = z.strictObject({
  maxCpu: cpu,
  maxMemGb: memGb,
  maxServers: servers,
  maxTotalCpu: cpu.optional(),
  maxTotalMemGb: memGb.optional(),
  maxStorageGb: storageGb.optional(),
  maxPids: pids.optional(),
  /** The serving allowance (docs/serving.md); role-wide only, no per-person override yet. */
  maxEndpoints: z.number().int().min(0).max(1000).optional(),
  maxServingCpu: z.number().min(0).max(4096).optional(),
  maxServingMemGb: z.number().min(0).max(65536).optional(),
});

/** A per-user override: a number sets it, null removes it (back to the role's value). */
const limitOverridesSchema = z.strictObject({
  maxCpu: cpu.nullable().optional(),
  maxMemGb: memGb.nullable().optional(),
  maxServers: servers.nullable().optional(),
  maxTotalCpu: cpu.nullable().optional(),
  maxTotalMemGb: memGb.nullable().optional(),
  maxStorageGb: storageGb.nullable().optional(),
  maxPids: pids.nullable().optional(),
});

/** The role editor's words (PUT /api/roles/<role>). */
export const roleLimitsLabels: FieldLabels = LIMIT_LABELS;

export const createUserSchema = z.strictObject({
  name: userNameSchema,
  role: roleNameSchema.default("user"),
  displayName: z.string().max(200).optional(),
  email: z.string().email().max(320).optional(),
});

export const patchUserSchema = z.strictObject({
  role: roleNameSchema.optional(),
  limits: limitOverridesSchema.nullable().optional(),
});

/** A person's admin page: the role picker and the override editor. */
export const patchUserLabels: FieldLabels = {
  role: "Role",
  ...Object.fromEntries(Object.entries(LIMIT_LABELS).map(([k, label]) => [`limits.${k}`, label])),
};

export const listUsersQuerySchema = z.object({
  q: z.string().max(200).optional(),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const createTokenSchema = z.strictObject({
  note: z.string().max(200).optional(),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
  /** Names from lib/auth/scopes.ts, checked there so an unknown one is named in the 400. */
  scopes: z.array(z.string().max(64)).max(32).optional(),
});

/** The tokens panel on the home page. */
export const createTokenLabels: FieldLabels = { note: "What it is for", expiresInDays: "Expiry (days)", scopes: "Scopes" };

export const userParams = z.object({ name: userNameSchema });

/** DELETE /api/users/<name>?volume=keep|remove: keep is the default, since a removed volume cannot come back. */
export const deleteUserQuerySchema = z.strictObject({
  volume: z.enum(["keep", "remove"]).default("keep"),
});
export const tokenParams = z.object({ name: userNameSchema, id: z.string().regex(/^tok_[A-Za-z0-9_-]+$/, "is not a token id") });
export const roleParams = z.object({ role: roleNameSchema });
