import { metrics } from "./registry";

/** Counts a successful write to the tracking API (any method but GET) and passes the response on. */
export function countTrackingWrite(req: Request, res: Response): Response {
  if (req.method !== "GET" && req.method !== "HEAD" && res.status < 400) metrics().trackingWrites.inc();
  return res;
}
