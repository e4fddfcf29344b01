/**
 * A Jupyter notebook (.ipynb, nbformat 4) reduced to what the artifact preview draws: markdown and code
 * cells, and of each output only text and PNG/JPEG images. HTML, JavaScript and SVG outputs are kept as
 * their source text, never as markup, so nothing in a notebook runs in the portal's page.
 */

export type NotebookOutput =
  | { kind: "text"; text: string; error?: boolean }
  | { kind: "image"; mime: "image/png" | "image/jpeg"; dataUrl: string }
  | { kind: "source"; mime: string; text: string };

type NotebookCell =
  | { kind: "markdown"; source: string }
  | { kind: "code"; source: string; executionCount: number | null; outputs: NotebookOutput[] }
  | { kind: "raw"; source: string };

export interface Notebook {
  language: string;
  cells: NotebookCell[];
  /** Cells past MAX_CELLS that are not shown. */
  hiddenCells: number;
}

/** More cells than this are not drawn (the bytes are already capped; this bounds the DOM). */
export const MAX_CELLS = 500;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;
// Terminal colours in tracebacks (ESC [ ... m) would show as noise.
// eslint-disable-next-line no-control-regex -- the escape character is what is being removed
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

const textOf = (v: unknown): string =>
  Array.isArray(v) ? v.filter((x) => typeof x === "string").join("") : typeof v === "string" ? v : "";

function outputOf(raw: unknown): NotebookOutput | null {
  if (typeof raw !== "object" || raw === null) return null;
  const o = raw as Record<string, unknown>;
  if (o.output_type === "stream") return { kind: "text", text: textOf(o.text), error: o.name === "stderr" };
  if (o.output_type === "error") {
    const trace = Array.isArray(o.traceback) ? textOf((o.traceback as unknown[]).map((l) => `${String(l)}\n`)) : "";
    return { kind: "text", text: (trace || `${textOf(o.ename)}: ${textOf(o.evalue)}`).replace(ANSI, ""), error: true };
  }
  if (o.output_type !== "execute_result" && o.output_type !== "display_data") return null;
  const data = (typeof o.data === "object" && o.data !== null ? o.data : {}) as Record<string, unknown>;
  for (const mime of ["image/png", "image/jpeg"] as const) {
    const b64 = textOf(data[mime]);
    if (b64 && BASE64.test(b64)) return { kind: "image", mime, dataUrl: `data:${mime};base64,${b64.replace(/\s/g, "")}` };
  }
  if ("text/plain" in data) return { kind: "text", text: textOf(data["text/plain"]) };
  const other = Object.keys(data).find((k) => textOf(data[k]) !== "");
  return other ? { kind: "source", mime: other, text: textOf(data[other]) } : null;
}

/** The notebook, or null when the text is not a notebook's JSON. */
export function parseNotebook(text: string): Notebook | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof doc !== "object" || doc === null || !Array.isArray((doc as { cells?: unknown }).cells)) return null;
  const { cells, metadata } = doc as {
    cells: unknown[];
    metadata?: { kernelspec?: { language?: unknown }; language_info?: { name?: unknown } };
  };
  const language = textOf(metadata?.language_info?.name) || textOf(metadata?.kernelspec?.language) || "python";
  const out: NotebookCell[] = [];
  for (const raw of cells.slice(0, MAX_CELLS)) {
    if (typeof raw !== "object" || raw === null) continue;
    const c = raw as Record<string, unknown>;
    const source = textOf(c.source);
    if (c.cell_type === "markdown") out.push({ kind: "markdown", source });
    else if (c.cell_type === "code") {
      const outputs = (Array.isArray(c.outputs) ? c.outputs : []).map(outputOf).filter((x): x is NotebookOutput => x !== null);
      out.push({ kind: "code", source, executionCount: typeof c.execution_count === "number" ? c.execution_count : null, outputs });
    } else out.push({ kind: "raw", source });
  }
  return { language, cells: out, hiddenCells: Math.max(0, cells.length - MAX_CELLS) };
}
