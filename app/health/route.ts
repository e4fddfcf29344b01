export const dynamic = "force-dynamic";

/** MLflow's liveness probe; the portal's own health with details is /api/health. */
export function GET(): Response {
  return new Response("OK", { headers: { "content-type": "text/plain" } });
}
