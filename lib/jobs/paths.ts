import { badRequest } from "@/lib/http/api-error";

export type JobKind = "notebook" | "script";

const MAX_PATH = 512;

/**
 * What a job's path must be: relative to the owner's home, staying inside it, naming a notebook or
 * a Python script. The container resolves it under /home/jovyan (container-spec.ts HOME_DIR), so
 * `..`, an absolute path or a NUL would let a job name a file outside the home.
 */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return "The path is empty; give a notebook (.ipynb) or script (.py) in your home folder.";
  const inHome = insideHomeProblem(path);
  if (inHome) return inHome;
  if (!/\.(ipynb|py)$/.test(path)) return `The path "${path}" is neither a notebook (.ipynb) nor a Python script (.py).`;
  return undefined;
}

/** Why a non-empty path relative to the home (a file or a folder) could name something outside it, or undefined. */
export function insideHomeProblem(path: string): string | undefined {
  if (path.length > MAX_PATH) return `The path is longer than ${MAX_PATH} characters.`;
  if (path.includes("\0")) return "The path contains a NUL character.";
  if (path.includes("\\")) return "The path contains a backslash; separate folders with '/'.";
  if (path.startsWith("/") || path.startsWith("~")) return `The path "${path}" is absolute; give it relative to your home folder.`;
  // The path is an argument of python or papermill (command.ts): one starting with '-' would be read as an option.
  if (path.startsWith("-")) return `The path "${path}" starts with '-', which the job's command would read as an option; rename the file.`;
  const segments = path.split("/");
  if (segments.some((s) => s === "..")) return `The path "${path}" leaves your home folder ('..').`;
  if (segments.some((s) => s === "" || s === ".")) return `The path "${path}" has an empty or '.' folder.`;
  return undefined;
}

export function assertJobPath(path: string): void {
  const problem = pathProblem(path);
  if (problem) throw badRequest("invalid_path", problem);
}

export function jobKindOf(path: string): JobKind {
  return path.endsWith(".ipynb") ? "notebook" : "script";
}
