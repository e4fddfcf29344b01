/**
 * The body the endpoint page's "Try it" box and its snippets start with (docs/serving.md, "The endpoint page"):
 * built from the served model version's `MLmodel` — its logged input example when there is one, else a row made
 * from its signature's input columns — and a placeholder with a sentence when the model has neither. Pure (the
 * files are read in served-example.ts), so the page's client code can use the fallback too.
 */

/** A body in one of MLflow's input forms, and where it came from. */
export interface ExampleBody {
  body: Record<string, unknown>;
  source: "input_example" | "signature" | "placeholder";
  /** Said under the box when the body is a placeholder: why, and what to change. */
  note?: string;
}

/** The placeholder: MLflow's `dataframe_split` form, the one `mlflow models serve` documents first. */
export const EXAMPLE_BODY = { dataframe_split: { columns: ["feature_1", "feature_2"], data: [[1.0, 2.0]] } };

export const NO_SIGNATURE_NOTE =
  "The model was logged without a signature or input example, so these columns are placeholders: replace them with the columns your model takes.";

/** An example body longer than this (an image tensor, a wide table) is not offered; the signature's row is. */
export const MAX_EXAMPLE_CHARS = 16 * 1024;

const INPUT_FORMS = ["dataframe_split", "dataframe_records", "instances", "inputs"] as const;

export const placeholderBody = (note = NO_SIGNATURE_NOTE): ExampleBody => ({ body: EXAMPLE_BODY, source: "placeholder", note });

// --- the part of YAML that yaml.safe_dump writes for an MLmodel's two-level mappings -------------------------------

const indentOf = (line: string) => line.length - line.trimStart().length;
const isContent = (line: string) => line.trim() !== "" && !line.trimStart().startsWith("#");

/** Lines of a quoted or plain scalar folded as YAML folds them: a line break is a space, an empty line a newline. */
function fold(lines: readonly string[]): string {
  let out = "";
  let breaks = 0;
  lines.forEach((line, i) => {
    const part = i === 0 ? line : line.trim();
    if (i > 0 && part === "") {
      breaks++;
      return;
    }
    if (i > 0) out += breaks > 0 ? "\n".repeat(breaks) : " ";
    breaks = 0;
    out += part;
  });
  return out;
}

/** A scalar starting at `first` (the text after `key:`), continued by `rest` (the lines indented below the key). */
function scalar(first: string, rest: readonly string[]): string | undefined {
  const head = first.trim();
  if (head === "" || head === "~" || head === "null") return undefined;
  if (head.startsWith("|") || head.startsWith(">")) {
    const block = rest.filter((l, i) => isContent(l) || i < rest.length - 1);
    const pad = Math.min(...block.filter(isContent).map(indentOf));
    const lines = block.map((l) => l.slice(pad));
    return head.startsWith("|") ? lines.join("\n") : fold(lines);
  }
  const quote = head[0];
  if (quote === "'" || quote === '"') {
    const folded = fold([head.slice(1), ...rest]);
    if (quote === "'") {
      const end = /(?:^|[^'])(?:'')*'(?!')/.exec(folded);
      const inner = end ? folded.slice(0, end.index + end[0].length - 1) : folded;
      return inner.replaceAll("''", "'");
    }
    const end = /(?:^|[^\\])(?:\\\\)*"/.exec(folded);
    const inner = end ? folded.slice(0, end.index + end[0].length - 1) : folded;
    try {
      return JSON.parse(`"${inner}"`) as string;
    } catch {
      return inner;
    }
  }
  return fold([head, ...rest]);
}

/** `section.key` of an MLmodel file's text, as a string; undefined when absent or null. */
export function mlmodelValue(text: string, section: string, key: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const start = lines.findIndex((l) => l === `${section}:` || l.startsWith(`${section}: `) || l.startsWith(`${section}:\t`));
  if (start === -1) return undefined;
  let end = lines.findIndex((l, i) => i > start && isContent(l) && indentOf(l) === 0);
  if (end === -1) end = lines.length;
  const body = lines.slice(start + 1, end);
  const childIndent = body.find(isContent);
  if (childIndent === undefined) return undefined;
  const ind = indentOf(childIndent);
  for (let i = 0; i < body.length; i++) {
    const line = body[i] ?? "";
    if (indentOf(line) !== ind || !line.slice(ind).startsWith(`${key}:`)) continue;
    const first = line.slice(ind + key.length + 1);
    let j = i + 1;
    while (j < body.length && (!isContent(body[j] ?? "") || indentOf(body[j] ?? "") > ind)) j++;
    return scalar(first, body.slice(i + 1, j));
  }
  return undefined;
}

// --- bodies -------------------------------------------------------------------------------------------------------

interface ColumnSpec {
  type?: unknown;
  name?: unknown;
  "tensor-spec"?: { dtype?: unknown; shape?: unknown };
}

/** A value of an MLflow signature type (mlflow/types/schema.py DataType), or a numpy dtype of a tensor spec. */
function sampleOf(type: unknown): unknown {
  const t = String(type);
  if (/^(double|float|float\d*)$/.test(t)) return 0.5;
  if (/^(long|integer|int\d*|uint\d*)$/.test(t)) return 1;
  if (t === "boolean" || t === "bool") return false;
  if (t === "datetime" || t.startsWith("datetime64")) return "2026-01-01T00:00:00";
  if (t === "binary" || t === "bytes") return "";
  if (t === "array") return [];
  if (t === "object" || t === "map") return {};
  return "text";
}

/** One row from the signature's inputs (the JSON list in `signature.inputs`), or undefined when it has none we can use. */
export function bodyFromSignature(inputsJson: string): Record<string, unknown> | undefined {
  let specs: unknown;
  try {
    specs = JSON.parse(inputsJson);
  } catch {
    return undefined;
  }
  if (!Array.isArray(specs) || specs.length === 0) return undefined;
  const columns = specs as ColumnSpec[];
  if (columns.every((c) => typeof c?.name === "string" && c.type !== "tensor")) {
    return {
      dataframe_split: { columns: columns.map((c) => c.name as string), data: [columns.map((c) => sampleOf(c.type))] },
    };
  }
  // One unnamed tensor, e.g. shape [-1, 4]: MLflow's `inputs` form with one row.
  const tensor = columns.length === 1 ? columns[0]?.["tensor-spec"] : undefined;
  const shape = Array.isArray(tensor?.shape) ? (tensor.shape as unknown[]) : undefined;
  if (!tensor || !shape || shape.length < 1 || shape.length > 2) return undefined;
  const value = sampleOf(tensor.dtype);
  const width = Number(shape[1]);
  if (shape.length === 1) return { inputs: [value] };
  return Number.isInteger(width) && width > 0 && width <= 1_000 ? { inputs: [Array.from({ length: width }, () => value)] } : undefined;
}

/** The first row of a body in one of MLflow's input forms; undefined for anything else. */
function firstRowOf(body: unknown): Record<string, unknown> | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const forms = INPUT_FORMS.filter((f) => f in body);
  const [form] = forms;
  if (forms.length !== 1 || !form) return undefined;
  const value = (body as Record<string, unknown>)[form];
  if (form === "dataframe_split") {
    const split = value as { columns?: unknown; data?: unknown } | null;
    if (!split || !Array.isArray(split.columns) || !Array.isArray(split.data)) return undefined;
    return { dataframe_split: { columns: split.columns, data: split.data.slice(0, 1) } };
  }
  return { [form]: Array.isArray(value) ? value.slice(0, 1) : value };
}

/**
 * The logged input example as a body with its first row: `serving_input_example.json` (already a body, MLflow
 * 2.17 and later), else `input_example.json` of a DataFrame (split or records orient) or of a tensor (`inputs`).
 */
export function bodyFromInputExample(
  exampleJson: string,
  info: { type?: string; pandasOrient?: string },
): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(exampleJson);
  } catch {
    return undefined;
  }
  const asBody = firstRowOf(parsed);
  if (asBody) return asBody;
  if (info.type === "dataframe" && (info.pandasOrient ?? "split") === "split") return firstRowOf({ dataframe_split: parsed });
  if (info.type === "dataframe" && info.pandasOrient === "records") return firstRowOf({ dataframe_records: parsed });
  if (info.type === "ndarray") return firstRowOf({ inputs: parsed });
  return undefined;
}

/** Where the MLmodel says its input example is, relative to the model directory (its serving form first). */
export function inputExampleFiles(mlmodel: string): { paths: string[]; type?: string; pandasOrient?: string } {
  const info = (key: string) => mlmodelValue(mlmodel, "saved_input_example_info", key);
  const paths = [info("serving_input_path"), info("artifact_path")].filter((p): p is string => !!p && /^[\w.-]+$/.test(p));
  return { paths, type: info("type"), pandasOrient: info("pandas_orient") };
}

/** The body from the model's files: the input example when it gives one, else the signature's row, else the placeholder. */
export function exampleBodyOf(mlmodel: string, examples: readonly string[] = []): ExampleBody {
  const { type, pandasOrient } = inputExampleFiles(mlmodel);
  const fits = (body: Record<string, unknown> | undefined) => body !== undefined && JSON.stringify(body).length <= MAX_EXAMPLE_CHARS;
  for (const text of examples) {
    const body = bodyFromInputExample(text, { type, pandasOrient });
    if (body && fits(body)) return { body, source: "input_example" };
  }
  const inputs = mlmodelValue(mlmodel, "signature", "inputs");
  const fromSignature = inputs === undefined ? undefined : bodyFromSignature(inputs);
  if (fromSignature && fits(fromSignature)) return { body: fromSignature, source: "signature" };
  return placeholderBody();
}
