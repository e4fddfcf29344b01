import { z } from "zod";
import type { FieldLabels } from "@/lib/http/parse";
import { userNameSchema } from "@/lib/auth/names";
import { projectChoice } from "@/lib/projects/schemas";

export const serverNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,29}$/, "must be 1 to 30 lower-case letters, digits or '-', starting with a letter or digit");

export const serverParams = z.object({ name: userNameSchema, server: serverNameSchema });

export const startServerSchema = z.strictObject({
  environment: z.string().min(1).max(64),
  cpu: z.number().positive().max(512),
  memGb: z.number().positive().max(8192),
  /** The project it is started in (its allowance counts it, its notebooks log there); absent: the personal space. */
  project: projectChoice,
});
export type StartRequest = z.output<typeof startServerSchema>;

/** The start form's labels (components/workspaces/start-form.tsx). */
export const startServerLabels: FieldLabels = { environment: "Environment", cpu: "CPU", memGb: "Memory", project: "Project" };

/** DELETE's body, as JupyterHub's: `{ "remove": true }` deletes a stopped or failed server instead of stopping it. */
export const stopServerSchema = z.strictObject({ remove: z.boolean().optional() });

/** The query of the workspace-origin handshake's authorize step (lib/workspaces/origin-auth.ts). */
export const authorizeQuerySchema = z.object({
  state: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, "must be the state the workspace origin sent"),
  next: z.string().max(2048).optional(),
});
