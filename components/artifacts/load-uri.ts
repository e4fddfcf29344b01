/**
 * The URI that loads the model whose MLmodel file is at `fullPath` (a store path). Run artifacts
 * (`<exp>/<run>/artifacts/<dir>/MLmodel`) load as `runs:/<run>/<dir>`, MLflow 3 logged models
 * (`<exp>/models/<model>/artifacts/MLmodel`) as `models:/<model>`; anything else has no short form.
 */
export function modelLoadUri(fullPath: string): string | null {
  const parts = fullPath.split("/");
  if (parts.at(-1) !== "MLmodel" || parts.length < 4) return null;
  const dir = parts.slice(3, -1).join("/");
  if (parts[1] === "models" && parts[3] === "artifacts" && parts.length === 5) return `models:/${parts[2]}`;
  if (parts[2] === "artifacts") return dir ? `runs:/${parts[1]}/${dir}` : `runs:/${parts[1]}`;
  return null;
}
