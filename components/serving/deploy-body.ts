/** The Deploy form's request body and default name, apart from the form so they are tested without a browser. */
import type { WORKLOAD_SIZES } from "@/lib/serving/schemas";

export type Size = keyof typeof WORKLOAD_SIZES | "Custom";

/** What a deploy may serve: versions, and aliases (which the endpoint then follows). */
export interface DeployChoices {
  model: string;
  versions: string[];
  aliases: { alias: string; version: string }[];
  /** "v:<version>" or "a:<alias>" selected at first. */
  initial: string;
}

/** A default endpoint name from the model and what it serves, kept to the name rule. */
export function defaultEndpointName(model: string, choice: string): string {
  return `${model}-${choice.slice(2)}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 63);
}

/** The body of POST /api/2.0/serving-endpoints from the form's fields (docs/serving.md, "A config"). */
export function deployBody(f: {
  name: string;
  model: string;
  choice: string;
  environment: string;
  size: Size;
  cpu: string;
  memGb: string;
  min: number;
  max: number;
  scaleToZero: boolean;
}) {
  const entity: Record<string, unknown> = {
    entity_name: f.model,
    ...(f.choice.startsWith("a:") ? { entity_alias: f.choice.slice(2) } : { entity_version: f.choice.slice(2) }),
    workload_size: f.size === "Custom" ? "Small" : f.size,
    scale_to_zero_enabled: f.scaleToZero,
    min_replicas: f.scaleToZero ? 0 : f.min,
    max_replicas: f.max,
    ...(f.size === "Custom" ? { cpu: Number(f.cpu), memory_gb: Number(f.memGb) } : {}),
    ...(f.environment ? { environment: f.environment } : {}),
  };
  return { name: f.name, config: { served_entities: [entity] } };
}
