/**
 * The argv an execution runs (never a shell string): a short Python runner, `python3 -c RUNNER
 * <script|notebook> …`, so both kinds end the same way on any node (docs/jobs.md, "An execution"):
 *
 * - a script runs as a child, `python3 <path> --<key> <value> …`, its output going straight to the
 *   log, signals passed on;
 * - a notebook gets its parameters as a new cell after the cell tagged `parameters` (papermill's
 *   convention; at the top when none is tagged) and is executed by nbconvert's ExecutePreprocessor
 *   (the executor of `jupyter nbconvert --to notebook --execute`) in its own folder, printing each
 *   stream output as the kernel sends it, so the live log follows the cells; the executed notebook
 *   is then uploaded by the container itself as an artifact of the execution's MLflow run (with the
 *   run's token), so the portal need not reach the node it ran on;
 * - when it failed and the container's memory cgroup counted an out-of-memory kill, the last line
 *   is OOM_LOG_LINE and the exit code 137, which the swarm backend reads from the task and the log.
 *
 * The images ship nbconvert but no `jupyter nbconvert` command and no `python`, only `python3`.
 */
import { OOM_LOG_LINE } from "@/lib/spawner";
import { jobKindOf } from "./paths";

/** Where the runner writes the executed notebook before uploading it: in the container, outside the person's home. */
export const EXECUTED_NOTEBOOK = "/tmp/atrium-job/executed.ipynb";

const RUNNER = String.raw`
import json, os, signal, subprocess, sys, urllib.parse, urllib.request
OOM = ${JSON.stringify(OOM_LOG_LINE)}
def oom_kills():
    for p in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        try:
            for line in open(p):
                k, _, v = line.partition(" ")
                if k == "oom_kill":
                    return int(v)
        except (OSError, ValueError):
            pass
    return 0
def finish(code):
    if code != 0 and oom_kills() > 0:
        print(OOM, file=sys.stderr, flush=True)
        code = 137
    sys.exit(code)
def upload(path, name):
    env = [os.environ.get(k) for k in ("MLFLOW_TRACKING_URI", "MLFLOW_TRACKING_TOKEN", "MLFLOW_EXPERIMENT_ID", "MLFLOW_RUN_ID")]
    if not all(env):
        return
    uri, token, exp, run = env
    url = "%s/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts/%s" % (uri.rstrip("/"), exp, run, urllib.parse.quote(name))
    req = urllib.request.Request(url, data=open(path, "rb").read(), method="PUT",
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/octet-stream"})
    try:
        urllib.request.urlopen(req, timeout=120).read()
    except Exception as e:
        print("[atrium] could not upload the executed notebook: %s" % e, file=sys.stderr, flush=True)
if sys.argv[1] == "script":
    child = subprocess.Popen([sys.executable] + sys.argv[2:])
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda n, f: child.send_signal(n))
    code = child.wait()
    finish(128 - code if code < 0 else code)
import nbformat
from nbconvert.preprocessors import ExecutePreprocessor, CellExecutionError
path, params, out = sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
nb = nbformat.read(path, as_version=4)
if params:
    src = "# Parameters\n" + "".join("%s = %s\n" % (k, json.dumps(v)) for k, v in params.items())
    cell = nbformat.v4.new_code_cell(src, metadata={"tags": ["injected-parameters"]})
    at = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    nb.cells.insert(at, cell)
class LiveExecutor(ExecutePreprocessor):
    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if msg.get("msg_type") == "stream":
            stream = sys.stderr if content.get("name") == "stderr" else sys.stdout
            stream.write(content.get("text", ""))
            stream.flush()
        return super().output(outs, msg, display_id, cell_index)
print("[atrium] executing %s (%d cells)" % (path, len(nb.cells)), flush=True)
ep = LiveExecutor(timeout=None, kernel_name=nb.metadata.get("kernelspec", {}).get("name", "python3"))
os.makedirs(os.path.dirname(out), exist_ok=True)
code = 0
try:
    ep.preprocess(nb, {"metadata": {"path": os.path.dirname(os.path.abspath(path))}})
except CellExecutionError as e:
    print(str(e), file=sys.stderr, flush=True)
    code = 1
except Exception as e:
    print("[atrium] the kernel stopped: %s" % e, file=sys.stderr, flush=True)
    code = 1
nbformat.write(nb, out)
upload(out, os.path.basename(path))
print("[atrium] notebook %s" % ("failed" if code else "finished"), flush=True)
finish(code)
`.trim();

/** The executed notebook's name among the run's artifacts: the notebook's own file name (the runner's `os.path.basename`). */
export function notebookArtifactName(path: string): string {
  return path.split("/").pop() ?? "executed.ipynb";
}

export function executionArgv(path: string, parameters: Record<string, string>): string[] {
  if (jobKindOf(path) === "notebook") return ["python3", "-c", RUNNER, "notebook", path, JSON.stringify(parameters), EXECUTED_NOTEBOOK];
  return ["python3", "-c", RUNNER, "script", path, ...Object.entries(parameters).flatMap(([k, v]) => [`--${k}`, v])];
}
