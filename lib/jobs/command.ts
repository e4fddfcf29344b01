/**
 * The argv an execution runs (never a shell string). A script: `python3 <path> --<key> <value> …`.
 * A notebook: a short Python runner that adds the parameters as a new cell after the cell tagged
 * `parameters` (papermill's convention; at the top when none is tagged), then executes it with
 * nbconvert's ExecutePreprocessor, the executor of `jupyter nbconvert --to notebook --execute`,
 * with the notebook's own folder as the kernel's working directory. The images ship nbconvert but
 * no `jupyter nbconvert` command and no `python`, only `python3` (docs/jobs.md).
 */
import { jobKindOf } from "./paths";

/** Where the runner leaves the executed notebook: in the container, outside the person's home. */
export const EXECUTED_NOTEBOOK = "/tmp/atrium-job/executed.ipynb";

const NOTEBOOK_RUNNER = String.raw`
import json, os, sys
import nbformat
from nbconvert.preprocessors import ExecutePreprocessor, CellExecutionError
path, params, out = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
nb = nbformat.read(path, as_version=4)
if params:
    src = "# Parameters\n" + "".join("%s = %s\n" % (k, json.dumps(v)) for k, v in params.items())
    cell = nbformat.v4.new_code_cell(src, metadata={"tags": ["injected-parameters"]})
    at = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    nb.cells.insert(at, cell)
print("[atrium] executing %s (%d cells)" % (path, len(nb.cells)), flush=True)
ep = ExecutePreprocessor(timeout=None, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"))
os.makedirs(os.path.dirname(out), exist_ok=True)
code = 0
try:
    ep.preprocess(nb, {"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
except CellExecutionError as e:
    print(str(e), file=sys.stderr, flush=True)
    code = 1
finally:
    nbformat.write(nb, out)
for c in nb.cells:
    for o in c.get("outputs", []):
        if o.get("output_type") == "stream":
            sys.stdout.write(o.get("text", ""))
print("[atrium] notebook %s" % ("failed" if code else "finished"), flush=True)
sys.exit(code)
`.trim();

export function executionArgv(path: string, parameters: Record<string, string>): string[] {
  if (jobKindOf(path) === "notebook") return ["python3", "-c", NOTEBOOK_RUNNER, path, JSON.stringify(parameters), EXECUTED_NOTEBOOK];
  return ["python3", path, ...Object.entries(parameters).flatMap(([k, v]) => [`--${k}`, v])];
}
