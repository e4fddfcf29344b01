/** The MLflow server version the tracking API speaks; MLflow 3 clients probe it. */
export function GET(): Response {
  return new Response("3.1.0", { headers: { "content-type": "text/plain" } });
}
