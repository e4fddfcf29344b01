import { notFound } from "@atrium/core/lib/http/api-error";
import { sseResponse } from "@atrium/core/lib/http/sse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { endedLogEvents, getExecution, liveLogEvents, storedLog } from "@atrium/core/lib/jobs/run";
import { jobDeps } from "@atrium/core/lib/jobs/runtime";
import { executionParams } from "@atrium/core/lib/jobs/schemas";

/**
 * A running execution's log as Server-Sent Events (`{line}`, then `{state, reason}`); an ended one's as
 * text, or as the same events to a caller that asks for them (an EventSource that connected just too late).
 */
export const GET = withUser(
  "jobs",
  async (req, { db, principal, params }) => {
    const deps = jobDeps(db);
    const exec = await getExecution(db, principal, params.id, params.execution);
    if (exec.state === "running") {
      const abort = new AbortController();
      req.signal.addEventListener("abort", () => abort.abort());
      return sseResponse(liveLogEvents(deps, principal, params.id, params.execution, abort.signal), abort);
    }
    if (exec.state !== "queued" && req.headers.get("accept")?.includes("text/event-stream")) {
      return sseResponse(endedLogEvents(deps, principal, exec, params.id), new AbortController());
    }
    const log = await storedLog(deps, principal, params.id, params.execution);
    if (log === null) {
      const why = exec.state === "queued" ? "it has not started yet" : "it kept none";
      throw notFound("log_not_found", `Execution ${exec.id} has no stored log (${why}).`);
    }
    return new Response(log, { headers: { "content-type": "text/plain; charset=utf-8" } });
  },
  executionParams,
);
