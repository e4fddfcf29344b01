/**
 * The endpoint page's copy-paste snippets: the same call with curl, Python `requests` and MLflow's deployment
 * client. None holds a token value: each reads it from an environment variable the person sets.
 */

import { EXAMPLE_BODY } from "@/lib/serving/example-body";

/** A JSON value as a Python literal: `true`, `false` and `null` are not Python (a body from a model's example may hold them). */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(", ")}]`;
  if (typeof value === "object")
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${pythonLiteral(v)}`)
      .join(", ")}}`;
  return JSON.stringify(value);
}

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
    json=${pythonLiteral(body)},
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
print(client.predict(endpoint=${JSON.stringify(endpoint)}, inputs=${pythonLiteral(body)}))`;
}
