import { z } from "zod";
import type { FieldLabels } from "@/lib/http/parse";
import { ADMIN_USER_SORTS } from "@/db/queries/admin-users";
import { AUDIT_ACTIONS } from "@/lib/audit/record";
import { userNameSchema } from "@/lib/auth/names";
import { roleNameSchema } from "@/lib/auth/names";
import { serverNameSchema } from "@/lib/workspaces/schemas";

/** Query of the admin users table (page and GET /api/admin/users). */
export const adminUsersQuerySchema = z.object({
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => (v ? v : undefined)),
  role: z
    .union([roleNameSchema, z.literal("")])
    .optional()
    .transform((v) => (v ? v : undefined)),
  sort: z.enum(ADMIN_USER_SORTS).default("name"),
  dir: z.enum(["asc", "desc"]).default("asc"),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(500).default(200),
});
export type AdminUsersQuery = z.output<typeof adminUsersQuerySchema>;

// A time without an offset (what a datetime-local field sends) is read as UTC, as the pages label it.
// Years 0001-9999 only: Date accepts year 0, which Postgres refuses as a timestamp (a 500 before this check).
const isoTime = z.iso
  .datetime({ offset: true, local: true })
  .transform((s) => new Date(/(?:[zZ]|[+-]\d\d:?\d\d)$/.test(s) ? s : `${s}Z`))
  .refine((d) => d.getUTCFullYear() >= 1 && d.getUTCFullYear() <= 9999, { message: "must be a time in the years 0001 to 9999" });

/** GET /api/audit and the audit page: filter by person, action and time range. */
export const auditQuerySchema = z
  .object({
    actor: z
      .string()
      .trim()
      .max(200)
      .optional()
      .transform((v) => (v ? v : undefined)),
    target: z
      .string()
      .trim()
      .max(200)
      .optional()
      .transform((v) => (v ? v : undefined)),
    action: z
      .union([z.enum(AUDIT_ACTIONS), z.literal("")])
      .optional()
      .transform((v) => (v ? v : undefined)),
    since: z
      .union([isoTime, z.literal("")])
      .optional()
      .transform((v) => (v ? v : undefined)),
    until: z
      .union([isoTime, z.literal("")])
      .optional()
      .transform((v) => (v ? v : undefined)),
    offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .refine((q) => !q.since || !q.until || q.since <= q.until, { message: "must not be later than the end of the range", path: ["since"] });
export type AuditQuery = z.output<typeof auditQuerySchema>;

/** The audit page's filter form. */
export const auditQueryLabels: FieldLabels = { actor: "Who", target: "Target", action: "Action", since: "From", until: "To" };

/** POST /api/admin/servers/stop: several servers at once. */
export const stopServersSchema = z.strictObject({
  servers: z
    .array(z.strictObject({ user: userNameSchema, server: serverNameSchema }))
    .min(1)
    .max(200),
});
