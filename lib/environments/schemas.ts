import { z } from "zod";
import type { FieldLabels } from "@/lib/http/parse";
import { roleNameSchema } from "@/lib/auth/names";

const environmentIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "must be lower-case letters, digits or '-', starting with a letter or digit");

export const environmentParams = z.object({ id: environmentIdSchema });

const fields = {
  name: z.string().trim().min(1).max(100),
  description: z.string().max(2000).default(""),
  image: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._/:@-]{0,254}$/i, "must be an image reference such as quay.io/jupyter/base-notebook:2024-12-02"),
  command: z.array(z.string().max(500)).max(50).nullable().default(null),
  defaultCpu: z.number().positive().max(512),
  defaultMemGb: z.number().positive().max(8192),
  maxCpu: z.number().positive().max(512).nullable().default(null),
  maxMemGb: z.number().positive().max(8192).nullable().default(null),
  rolesAllowed: z.array(roleNameSchema).max(50).default([]),
  deprecated: z.boolean().default(false),
};

/** Swarm placement constraints, as `docker service create --constraint` takes them. */
const constraints = z
  .array(
    z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_.-]+ *(==|!=) *[^\s=!][^\s]*$/, "must be a placement constraint such as node.labels.gpu==true"),
  )
  .max(20);

export const createEnvironmentSchema = z.strictObject({ id: environmentIdSchema, ...fields, constraints: constraints.default([]) });
/** Without `constraints` an update keeps them: the pages send every other field but have none for them. */
export const updateEnvironmentSchema = z.strictObject({ ...fields, constraints: constraints.optional() });

/** The environment form's labels (components/environments/environment-admin.tsx). */
export const environmentLabels: FieldLabels = {
  id: "Id",
  name: "Name",
  description: "Description",
  image: "Image",
  command: "Command",
  defaultCpu: "Default CPUs",
  defaultMemGb: "Default memory",
  maxCpu: "Max CPUs",
  maxMemGb: "Max memory",
  rolesAllowed: "Roles allowed",
  deprecated: "Deprecated",
  constraints: "Placement constraints",
};
