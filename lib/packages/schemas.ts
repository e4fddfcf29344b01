import { z } from "zod";
import type { FieldLabels } from "@/lib/http/parse";
import { isValidProjectName, MAX_NAME_LENGTH } from "./names";
import { isValidVersion } from "./version";

const NAME_RULE = "must be a package name: letters, digits, '.', '_' or '-', starting and ending with a letter or digit";

export const packageNameSchema = z.string().max(MAX_NAME_LENGTH, `${NAME_RULE}`).refine(isValidProjectName, NAME_RULE);

export const installRequestSchema = z.strictObject({
  name: packageNameSchema,
  version: z.string().refine(isValidVersion, "must be a PEP 440 version such as 1.2.0 or 2.0rc1, without operators or spaces").optional(),
});
export type InstallRequest = z.output<typeof installRequestSchema>;

/** The install panel's labels (components/packages/install-panel.tsx). */
export const installRequestLabels: FieldLabels = { name: "The package", version: "Version" };

export const packageParams = z.object({ name: packageNameSchema });

export const searchQuerySchema = z.object({
  q: z.string().max(200, "must be at most 200 characters").default(""),
  offset: z.coerce.number().int("must be a whole number").min(0, "must be 0 or more").max(1_000_000).default(0),
  limit: z.coerce
    .number()
    .int("must be a whole number")
    .min(1, "must be between 1 and 100")
    .max(100, "must be between 1 and 100")
    .default(20),
});
