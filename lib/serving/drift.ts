/**
 * Drift from the request log's sampled bodies (docs/serving.md, "Drift"): each input column's population stability
 * index (PSI) between a reference window and the current one, and the predictions' distribution in both. Inputs are
 * read in MLflow's JSON forms (`dataframe_split`, `dataframe_records`, `instances`, `inputs`); a body in another form
 * (CSV, or cut short by the sample's byte cap so it is no longer JSON) is counted as unreadable, never guessed at.
 * Pure functions: the request log query hands them the bodies.
 */

/** Ceilings, so a window of large bodies stays cheap: rows read per body, columns tracked, categories kept. */
export const MAX_ROWS_PER_BODY = 1000;
export const MAX_COLUMNS = 50;
const MAX_CATEGORIES = 12;
const BINS = 10;
/** A share of 0 would make ln(a/e) infinite; the usual floor. */
const EPSILON = 1e-4;

type Value = number | string;
/** Column name → its values, in the order of the rows. */
export type Columns = Map<string, Value[]>;

const scalar = (v: unknown): Value | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" ? v : typeof v === "boolean" ? String(v) : undefined;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function push(cols: Columns, name: string, v: unknown): void {
  const value = scalar(v);
  if (value === undefined) return;
  const list = cols.get(name);
  if (list) list.push(value);
  else if (cols.size < MAX_COLUMNS) cols.set(name, [value]);
}

/** Rows as records ({column: value}). */
function fromRecords(rows: unknown[], cols: Columns): void {
  for (const r of rows.slice(0, MAX_ROWS_PER_BODY)) if (isRecord(r)) for (const [k, v] of Object.entries(r)) push(cols, k, v);
}

/** Rows as lists: column i is named by `names[i]`, else its position. A list of scalars is one column. */
function fromRows(rows: unknown[], cols: Columns, names?: unknown[]): void {
  for (const r of rows.slice(0, MAX_ROWS_PER_BODY)) {
    if (Array.isArray(r)) r.forEach((v, i) => push(cols, typeof names?.[i] === "string" ? names[i] : String(i), v));
    else push(cols, typeof names?.[0] === "string" ? names[0] : "0", r);
  }
}

/** `instances` and `inputs`: a list of records or rows (tensor), or a dict of column → list (columnar). */
function fromTensor(value: unknown, cols: Columns): void {
  if (Array.isArray(value)) {
    if (value.some(isRecord)) fromRecords(value, cols);
    else fromRows(value, cols);
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (Array.isArray(v)) for (const x of v.slice(0, MAX_ROWS_PER_BODY)) push(cols, k, x);
      else push(cols, k, v);
    }
  }
}

/** The input columns of one request body, or null when it is not one of MLflow's JSON forms. */
export function parseInputs(body: string): Columns | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return null;
  }
  if (!isRecord(json)) return null;
  const cols: Columns = new Map();
  if ("dataframe_split" in json) {
    const split = json.dataframe_split;
    if (!isRecord(split) || !Array.isArray(split.data)) return null;
    fromRows(split.data, cols, Array.isArray(split.columns) ? split.columns : undefined);
  } else if ("dataframe_records" in json) {
    if (!Array.isArray(json.dataframe_records)) return null;
    fromRecords(json.dataframe_records, cols);
  } else if ("instances" in json) fromTensor(json.instances, cols);
  else if ("inputs" in json) fromTensor(json.inputs, cols);
  else return null;
  return cols;
}

/**
 * The predictions of one response body as values: `{"predictions": [...]}` (or a bare list), a number or label per
 * row; a row that is a list (class probabilities) counts by its first value, a record by its first field.
 */
export function parsePredictions(body: string): Value[] | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return null;
  }
  const list = isRecord(json) ? json.predictions : json;
  const rows = Array.isArray(list) ? list : isRecord(list) ? Object.values(list)[0] : undefined;
  if (!Array.isArray(rows)) return null;
  const out: Value[] = [];
  for (const r of rows.slice(0, MAX_ROWS_PER_BODY)) {
    const v = scalar(Array.isArray(r) ? r[0] : isRecord(r) ? Object.values(r)[0] : r);
    if (v !== undefined) out.push(v);
  }
  return out;
}

export interface Bin {
  label: string;
  /** Share of the window's values in this bin, 0–1. */
  reference: number;
  current: number;
}

const numeric = (values: readonly Value[]): number[] | null => (values.every((v) => typeof v === "number") ? (values as number[]) : null);

/** Bin edges at the reference's deciles (distinct values only), so each reference bin holds about a tenth. */
function edgesOf(reference: readonly number[]): number[] {
  const sorted = [...reference].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let i = 1; i < BINS; i++) {
    const e = sorted[Math.min(sorted.length - 1, Math.floor((i * sorted.length) / BINS))];
    if (e !== undefined && edges.at(-1) !== e && e !== sorted[0]) edges.push(e);
  }
  return edges;
}

const fmt = (n: number) =>
  Math.abs(n) >= 1000 || (n !== 0 && Math.abs(n) < 0.01) ? n.toExponential(2) : String(Math.round(n * 100) / 100);

function shares(counts: number[], total: number): number[] {
  return counts.map((c) => (total === 0 ? 0 : c / total));
}

/** The bins both windows are counted in: deciles of the reference for numbers, its commonest values (and "other") for labels. */
export function binsOf(reference: readonly Value[], current: readonly Value[]): Bin[] {
  const refNum = numeric(reference);
  const curNum = numeric(current);
  if (refNum && curNum && refNum.length > 0) {
    const edges = edgesOf(refNum);
    const bin = (x: number) => {
      let i = 0;
      while (i < edges.length && x >= (edges[i] as number)) i++;
      return i;
    };
    const count = (xs: readonly number[]) => {
      const c = new Array<number>(edges.length + 1).fill(0);
      for (const x of xs) c[bin(x)] = (c[bin(x)] ?? 0) + 1;
      return c;
    };
    const r = shares(count(refNum), refNum.length);
    const c = shares(count(curNum), curNum.length);
    return r.map((share, i) => ({
      label:
        i === 0
          ? `< ${fmt(edges[0] ?? Infinity)}`
          : i === edges.length
            ? `≥ ${fmt(edges[i - 1] as number)}`
            : `${fmt(edges[i - 1] as number)} – ${fmt(edges[i] as number)}`,
      reference: share,
      current: c[i] ?? 0,
    }));
  }
  const freq = new Map<string, number>();
  for (const v of reference) freq.set(String(v), (freq.get(String(v)) ?? 0) + 1);
  const kept = [...freq.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_CATEGORIES)
    .map(([k]) => k);
  const keptSet = new Set(kept);
  const count = (xs: readonly Value[]) => {
    const c = new Array<number>(kept.length + 1).fill(0);
    for (const x of xs) {
      const i = keptSet.has(String(x)) ? kept.indexOf(String(x)) : kept.length;
      c[i] = (c[i] ?? 0) + 1;
    }
    return c;
  };
  const r = shares(count(reference), reference.length);
  const c = shares(count(current), current.length);
  const bins = kept.map((label, i) => ({ label, reference: r[i] ?? 0, current: c[i] ?? 0 }));
  const other = { label: "other", reference: r[kept.length] ?? 0, current: c[kept.length] ?? 0 };
  return other.reference > 0 || other.current > 0 ? [...bins, other] : bins;
}

/** PSI = Σ (current − reference) × ln(current / reference) over the bins, shares floored at 0.0001. */
export function psi(bins: readonly Bin[]): number {
  let sum = 0;
  for (const b of bins) {
    const e = Math.max(b.reference, EPSILON);
    const a = Math.max(b.current, EPSILON);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/** The usual reading of a PSI: under 0.1 no real change, up to 0.25 a moderate one, above that a major one. */
export type DriftLevel = "stable" | "moderate" | "major";
export const driftLevel = (value: number): DriftLevel => (value < 0.1 ? "stable" : value <= 0.25 ? "moderate" : "major");

export interface ColumnDrift {
  column: string;
  kind: "numeric" | "categorical";
  psi: number;
  level: DriftLevel;
  referenceValues: number;
  currentValues: number;
  bins: Bin[];
}

export interface DriftReport {
  /** Bodies read in each window, and those in no form Atrium reads. */
  reference: { bodies: number; unreadable: number };
  current: { bodies: number; unreadable: number };
  /** Columns seen in both windows, most drifted first. */
  columns: ColumnDrift[];
  predictions: { bins: Bin[]; psi: number; level: DriftLevel } | null;
}

interface Window {
  inputs: Columns;
  predictions: Value[];
  bodies: number;
  unreadable: number;
}

function collect(samples: readonly { request: string | null; response: string | null }[]): Window {
  const w: Window = { inputs: new Map(), predictions: [], bodies: 0, unreadable: 0 };
  for (const s of samples) {
    if (s.request === null) continue;
    w.bodies++;
    const cols = parseInputs(s.request);
    if (!cols) {
      w.unreadable++;
      continue;
    }
    for (const [name, values] of cols) {
      const list = w.inputs.get(name);
      if (list) list.push(...values);
      else if (w.inputs.size < MAX_COLUMNS) w.inputs.set(name, [...values]);
    }
    const preds = s.response === null ? null : parsePredictions(s.response);
    if (preds) w.predictions.push(...preds);
  }
  return w;
}

/** Compares the current window's sampled bodies with the reference window's. */
export function driftReport(
  reference: readonly { request: string | null; response: string | null }[],
  current: readonly { request: string | null; response: string | null }[],
): DriftReport {
  const ref = collect(reference);
  const cur = collect(current);
  const columns: ColumnDrift[] = [];
  for (const [column, refValues] of ref.inputs) {
    const curValues = cur.inputs.get(column);
    if (!curValues || curValues.length === 0 || refValues.length === 0) continue;
    const bins = binsOf(refValues, curValues);
    const value = psi(bins);
    columns.push({
      column,
      kind: numeric(refValues) && numeric(curValues) ? "numeric" : "categorical",
      psi: value,
      level: driftLevel(value),
      referenceValues: refValues.length,
      currentValues: curValues.length,
      bins,
    });
  }
  columns.sort((a, b) => b.psi - a.psi || a.column.localeCompare(b.column));
  let predictions: DriftReport["predictions"] = null;
  if (ref.predictions.length > 0 && cur.predictions.length > 0) {
    const bins = binsOf(ref.predictions, cur.predictions);
    const value = psi(bins);
    predictions = { bins, psi: value, level: driftLevel(value) };
  }
  return {
    reference: { bodies: ref.bodies, unreadable: ref.unreadable },
    current: { bodies: cur.bodies, unreadable: cur.unreadable },
    columns,
    predictions,
  };
}
