import { z } from "zod";
import type { FieldLabels } from "@/lib/http/parse";
import { projectChoice } from "@/lib/projects/schemas";

export const jobNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, "must be 1 to 63 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit");

export const jobIdSchema = z.string().regex(/^job_[A-Za-z0-9_-]{1,64}$/, "must be a job id");
export const executionIdSchema = z.string().regex(/^jex_[A-Za-z0-9_-]{1,64}$/, "must be an execution id");

export const jobParams = z.object({ id: jobIdSchema });
export const executionParams = z.object({ id: jobIdSchema, execution: executionIdSchema });

const parameters = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be Python identifiers"), z.string().max(4096))
  .refine((p) => Object.keys(p).length <= 50, "can hold at most 50 parameters");

const trigger = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("manual") }),
  z.strictObject({ kind: z.literal("cron"), cron: z.string().min(1).max(200), timeZone: z.string().min(1).max(64).default("UTC") }),
  z.strictObject({ kind: z.literal("after"), jobId: jobIdSchema }),
]);
export type TriggerInput = z.output<typeof trigger>;

const fields = {
  name: jobNameSchema,
  path: z.string().min(1).max(512),
  environment: z.string().min(1).max(64),
  cpu: z.number().positive().max(512),
  memGb: z.number().positive().max(8192),
  parameters: parameters.default({}),
  timeoutS: z
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600),
  retries: z.number().int().min(0).max(10).default(0),
  trigger,
  paused: z.boolean().default(false),
};

/** `project`: the project it is created in (editors and owners there); absent: the personal space. */
export const createJobSchema = z.strictObject({ ...fields, project: projectChoice });
export type CreateJobRequest = z.output<typeof createJobSchema>;

export const updateJobSchema = z.strictObject({
  name: fields.name.optional(),
  path: fields.path.optional(),
  environment: fields.environment.optional(),
  cpu: fields.cpu.optional(),
  memGb: fields.memGb.optional(),
  parameters: parameters.optional(),
  timeoutS: fields.timeoutS.optional(),
  retries: fields.retries.unwrap().optional(),
  trigger: trigger.optional(),
  paused: z.boolean().optional(),
});
export type UpdateJobRequest = z.output<typeof updateJobSchema>;

export const cronPreviewSchema = z.object({ cron: z.string().min(1).max(200), timeZone: z.string().min(1).max(64).default("UTC") });

export const jobRequestLabels: FieldLabels = {
  name: "Name",
  path: "Path",
  environment: "Environment",
  cpu: "CPU",
  memGb: "Memory",
  timeoutS: "Timeout",
  retries: "Retries",
  project: "Project",
  "trigger.cron": "Cron expression",
  "trigger.timeZone": "Time zone",
};
