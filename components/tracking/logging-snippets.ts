/**
 * What the Experiments page tells people to run in a notebook. Both read the variables every workspace
 * gets (lib/workspaces/portal-env.ts), so no token value is ever shown.
 */

/** With the stock client: MLFLOW_TRACKING_URI and MLFLOW_TRACKING_TOKEN are all it needs. */
export const mlflowSnippet = (experiment: string) => `import mlflow
mlflow.set_experiment(${JSON.stringify(experiment)})
with mlflow.start_run(): mlflow.log_metric("accuracy", 0.91)`;

/**
 * Without mlflow: the portal's MLflow REST API with Python's standard library only, so it runs in
 * any image (atrium-workspace:1 has no `requests`).
 */
export const restSnippet = (experiment: string) => {
  const name = JSON.stringify(experiment);
  const filter = JSON.stringify(`name = '${experiment.replace(/'/g, "\\'")}'`);
  return `import json, os, time, urllib.request

def mlflow_api(path, body):
    req = urllib.request.Request(
        os.environ["MLFLOW_TRACKING_URI"] + "/api/2.0/mlflow/" + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + os.environ["MLFLOW_TRACKING_TOKEN"],
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as res:
        return json.load(res)

found = mlflow_api("experiments/search", {"filter": ${filter}, "max_results": 1}).get("experiments", [])
if found:
    experiment_id = found[0]["experiment_id"]
else:
    experiment_id = mlflow_api("experiments/create", {"name": ${name}})["experiment_id"]
now = int(time.time() * 1000)
run_id = mlflow_api("runs/create", {"experiment_id": experiment_id, "start_time": now})["run"]["info"]["run_id"]
mlflow_api("runs/log-metric", {"run_id": run_id, "key": "accuracy", "value": 0.91, "timestamp": now, "step": 0})
mlflow_api("runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": int(time.time() * 1000)})`;
};
