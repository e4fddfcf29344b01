/**
 * JSON as Python's `json.dumps` writes it with its defaults: `", "` and `": "` between items, non-ASCII escaped
 * as `\uXXXX` (ensure_ascii). MLflow stores and sends JSON written this way (tags such as
 * `mlflow.log-model.history`, webhook bodies), and a signature or a byte-for-byte comparison depends on it.
 * An `undefined` member is left out, as JSON.stringify does.
 */
export function pythonJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(", ")}}`;
  }
  return (JSON.stringify(value) ?? "null").replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
