import { unsupportedServingCall } from "@atrium/core/lib/serving/errors";

// Databricks' calls Atrium does not have (MLflow's update_endpoint_rate_limits, update_endpoint_ai_gateway, …): one
// sentence in MLflow's shape naming the call, rather than Next's HTML 404 page (docs/serving.md, "Calls").
const answer = (req: Request) => unsupportedServingCall(req.method, new URL(req.url).pathname);

export { answer as GET, answer as POST, answer as PUT, answer as PATCH, answer as DELETE };
