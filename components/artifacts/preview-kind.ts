/** How a file is previewed, from its name alone. */
export type PreviewKind = "image" | "csv" | "mlmodel" | "notebook" | "text" | "none";

const IMAGE = new Set(["png", "jpg", "jpeg", "gif", "webp"]);
const TEXT = new Set(["txt", "json", "yaml", "yml", "md", "log", "py", "toml", "cfg", "ini", "html", "xml", "sql", "sh", "r"]);

export function previewKind(name: string): PreviewKind {
  if (name === "MLmodel") return "mlmodel";
  const ext = name.includes(".") ? (name.split(".").pop() ?? "").toLowerCase() : "";
  if (IMAGE.has(ext)) return "image";
  if (ext === "csv" || ext === "tsv") return "csv";
  if (ext === "ipynb") return "notebook";
  if (TEXT.has(ext) || name === "requirements.txt" || name === "Dockerfile") return "text";
  return "none";
}

/** The first rows of a CSV or TSV (quoted fields with separators inside are kept together). */
export function csvHead(text: string, separator: string, maxRows: number): string[][] {
  const rows: string[][] = [];
  for (const line of text.split(/\r?\n/)) {
    if (rows.length >= maxRows) break;
    if (line === "") continue;
    const cells: string[] = [];
    let cell = "";
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (ch === '"' && quoted && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = !quoted;
      else if (ch === separator && !quoted) {
        cells.push(cell);
        cell = "";
      } else cell += ch;
    }
    cells.push(cell);
    rows.push(cells);
  }
  return rows;
}

/** The flavors an MLmodel file declares (its top-level `flavors:` keys), e.g. ["python_function", "sklearn"]. */
export function mlmodelFlavors(yaml: string): string[] {
  const lines = yaml.split(/\r?\n/);
  const start = lines.findIndex((l) => /^flavors:\s*$/.test(l));
  if (start < 0) return [];
  const flavors: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const m = /^ {2}([A-Za-z0-9_.-]+):/.exec(line);
    if (m?.[1]) flavors.push(m[1]);
  }
  return flavors;
}
