import { z } from "zod";
import type { FieldLabels } from "@/lib/http/parse";

/** MLflow's default workspace: a client without `X-MLFLOW-WORKSPACE`, or with this name, works in its personal space. */
export const PERSONAL_WORKSPACE = "default";

/** URL-safe, and usable as an MLflow workspace name; "default" is every person's personal space. */
export const projectNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be 1 to 63 lower-case letters, digits or '-', starting with a letter or digit")
  .refine((n) => n !== PERSONAL_WORKSPACE, `must not be "${PERSONAL_WORKSPACE}", the name of everyone's personal space`);

export const projectRoleSchema = z.enum(["viewer", "user", "editor", "owner"]);
const description = z.string().max(1000, "must be at most 1000 characters");

export const createProjectSchema = z.strictObject({ name: projectNameSchema, description: description.default("") });
export const updateProjectSchema = z
  .strictObject({ name: projectNameSchema.optional(), description: description.optional() })
  .refine((v) => v.name !== undefined || v.description !== undefined, "must change the name or the description");
/** A person by her user name, or an SSO group by the name its claim carries. */
export const addMemberSchema = z.union([
  z.strictObject({ name: z.string().min(1).max(63), role: projectRoleSchema }),
  z.strictObject({ group: z.string().min(1).max(256), role: projectRoleSchema }),
]);
export const changeMemberSchema = z.strictObject({ role: projectRoleSchema });

/**
 * Where a server, job or endpoint is started or created: a project's name, or "default" (the personal space, as
 * when absent). Any name is looked up: one the caller cannot see is a 404 like one that does not exist.
 */
export const projectChoice = z.string().min(1).max(63).optional();

/** What to move into a project (lib/projects/move.ts): an experiment by id, a registered model or an endpoint by name, a job by id. */
export const moveSchema = z.strictObject({
  kind: z.enum(["experiment", "registered_model", "job", "endpoint"]),
  id: z.string().min(1).max(256),
});
export type MoveRequest = z.output<typeof moveSchema>;

/** An admin sets a project's allowance (lib/projects/allowance.ts); null lifts that limit. */
export const allowanceSchema = z.strictObject({
  cpu: z.number().positive().max(100_000).nullable(),
  memGb: z.number().positive().max(1_000_000).nullable(),
  endpoints: z.number().int().min(0).max(100_000).nullable(),
  /** Absent: the storage budget stays as it is (clients that predate it send the other three). */
  storageGb: z.number().positive().max(1_000_000).nullable().optional(),
});
export type AllowanceRequest = z.output<typeof allowanceSchema>;

export const projectParams = z.object({ project: z.string().min(1).max(63) });
/** `<name>` for a person, `group:<name>` for a group. */
export const memberParams = z.object({ project: z.string().min(1).max(63), member: z.string().min(1).max(263) });

export type CreateProjectRequest = z.output<typeof createProjectSchema>;
export type UpdateProjectRequest = z.output<typeof updateProjectSchema>;
export type AddMemberRequest = z.output<typeof addMemberSchema>;

export const projectRequestLabels: FieldLabels = {
  name: "The name",
  description: "The description",
  role: "The role",
  group: "The group",
  kind: "The kind",
  id: "The id",
};
