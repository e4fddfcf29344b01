import { checkHealth } from "@atrium/core/lib/health/check";
import { respond } from "@atrium/core/lib/http/with-user";

export const dynamic = "force-dynamic";

/** Public: load balancers and compose health checks call it without credentials. */
export function GET(): Promise<Response> {
  return respond(async () => {
    const health = await checkHealth();
    return Response.json(health, { status: health.db === "ok" ? 200 : 503 });
  });
}
