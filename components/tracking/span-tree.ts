/**
 * A trace's spans (the traces.json dictionaries, mlflow/entities/span.py) as a tree with waterfall positions:
 * parents before children, children in start order, each bar placed relative to the whole trace.
 */

export interface SpanDict {
  span_id?: string;
  parent_span_id?: string;
  name?: string;
  start_time_unix_nano?: number | string;
  end_time_unix_nano?: number | string | null;
  attributes?: Record<string, unknown>;
  status?: { code?: string; message?: string };
}

export interface SpanNode {
  id: string;
  name: string;
  depth: number;
  type?: string;
  status: string;
  startMs: number;
  durationMs: number | null;
  /** Left edge and width of the bar, in percent of the trace. */
  offsetPct: number;
  widthPct: number;
  inputs?: unknown;
  outputs?: unknown;
}

const ms = (ns: number | string | null | undefined) => (ns === undefined || ns === null ? null : Number(ns) / 1e6);

/** An attribute as MLflow stores it: a JSON-encoded string. */
function decodeAttribute(v: unknown): unknown {
  if (typeof v !== "string") return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export function spanTree(spans: readonly SpanDict[]): SpanNode[] {
  const ids = new Set(spans.map((s) => s.span_id ?? ""));
  const children = new Map<string, SpanDict[]>();
  for (const s of spans) {
    const parent = s.parent_span_id && ids.has(s.parent_span_id) ? s.parent_span_id : "";
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const starts = spans.map((s) => ms(s.start_time_unix_nano) ?? 0);
  const ends = spans.map((s) => ms(s.end_time_unix_nano) ?? ms(s.start_time_unix_nano) ?? 0);
  const t0 = starts.length > 0 ? Math.min(...starts) : 0;
  const total = Math.max(1e-6, (ends.length > 0 ? Math.max(...ends) : 0) - t0);
  const out: SpanNode[] = [];
  const visit = (parent: string, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => (ms(a.start_time_unix_nano) ?? 0) - (ms(b.start_time_unix_nano) ?? 0));
    for (const s of list) {
      const start = ms(s.start_time_unix_nano) ?? t0;
      const end = ms(s.end_time_unix_nano);
      const attrs = s.attributes ?? {};
      const type = decodeAttribute(attrs["mlflow.spanType"]);
      out.push({
        id: s.span_id ?? "",
        name: s.name ?? "(unnamed)",
        depth,
        ...(typeof type === "string" ? { type } : {}),
        status: (s.status?.code ?? "STATUS_CODE_UNSET").replace("STATUS_CODE_", ""),
        startMs: start - t0,
        durationMs: end === null ? null : end - start,
        offsetPct: ((start - t0) / total) * 100,
        widthPct: end === null ? 0 : Math.max(0.5, ((end - start) / total) * 100),
        inputs: decodeAttribute(attrs["mlflow.spanInputs"]),
        outputs: decodeAttribute(attrs["mlflow.spanOutputs"]),
      });
      if (s.span_id && out.length <= spans.length) visit(s.span_id, depth + 1);
    }
  };
  visit("", 0);
  return out;
}
