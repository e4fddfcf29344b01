/**
 * The endpoint page's copy-paste snippets: the same call with curl, Python `requests` and MLflow's deployment
 * client. None holds a token value: each reads it from an environment variable the person sets.
 */

/** An example body in MLflow's `dataframe_split` form, the one `mlflow models serve` documents first. */
export const EXAMPLE_BODY = { dataframe_split: { columns: ["feature_1", "feature_2"], data: [[1.0, 2.0]] } };

export function curlSnippet(url: string, body: unknown = EXAMPLE_BODY): string {
  return `curl -X POST ${url} \\
  -H "Authorization: Bearer $ATRIUM_TOKEN" \\
  -H "Content-Type: application/json" \\
  -d '${JSON.stringify(body).replace(/'/g, "'\\''")}'`;
}

export function requestsSnippet(url: string, body: unknown = EXAMPLE_BODY): string {
  return `import os, requests

response = requests.post(
    ${JSON.stringify(url)},
    headers={"Authorization": f"Bearer {os.environ['ATRIUM_TOKEN']}"},
    json=${JSON.stringify(body)},
    timeout=60,
)
response.raise_for_status()
print(response.json()["predictions"])`;
}

export function mlflowSnippet(portal: string, endpoint: string, body: unknown = EXAMPLE_BODY): string {
  return `import os
from mlflow.deployments import get_deploy_client

os.environ["DATABRICKS_HOST"] = ${JSON.stringify(portal)}
os.environ["DATABRICKS_TOKEN"] = os.environ["ATRIUM_TOKEN"]
client = get_deploy_client("databricks")
print(client.predict(endpoint=${JSON.stringify(endpoint)}, inputs=${JSON.stringify(body)}))`;
}
