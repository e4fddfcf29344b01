import type { EndpointView } from "./types";

type Tone = "green" | "amber" | "red" | "slate";

/** An endpoint's state in a person's words: whether it answers, and whether a change is being rolled out. */
export function stateOf(e: Pick<EndpointView, "state" | "config" | "pending_config">): { label: string; tone: Tone } {
  const { ready, config_update } = e.state;
  if (config_update === "UPDATE_FAILED") return { label: ready === "READY" ? "Ready · last update failed" : "Failed", tone: "red" };
  if (config_update === "IN_PROGRESS")
    return ready === "READY" ? { label: "Ready · updating", tone: "amber" } : { label: "Starting", tone: "amber" };
  if (ready === "READY") return { label: "Ready", tone: "green" };
  return { label: "Not ready", tone: "slate" };
}

const TONES: Record<Tone, string> = {
  green: "bg-emerald-100 text-emerald-800",
  amber: "bg-amber-100 text-amber-800",
  red: "bg-red-100 text-red-800",
  slate: "bg-slate-100 text-slate-700",
};

export function StateBadge({ endpoint }: { endpoint: Pick<EndpointView, "state" | "config" | "pending_config"> }) {
  const s = stateOf(endpoint);
  return (
    <span
      className={`inline-flex whitespace-nowrap rounded-full px-2 py-0.5 text-xs font-medium ${TONES[s.tone]}`}
      data-testid="endpoint-state"
    >
      {s.label}
    </span>
  );
}

/** "churn v3 · 90 %, churn v4 · 10 %": what serves (or, before anything serves, what is being rolled out). */
export function servedSummary(e: Pick<EndpointView, "config" | "pending_config">): { name: string; label: string; traffic: number }[] {
  const c = e.config ?? e.pending_config;
  if (!c) return [];
  return c.served_entities.map((s) => ({
    name: s.name,
    label: `${s.entity_name} v${s.entity_version}${"entity_alias" in s && s.entity_alias ? ` (@${s.entity_alias})` : ""}`,
    traffic: c.traffic_config.routes.find((r) => r.served_entity_name === s.name)?.traffic_percentage ?? 0,
  }));
}
