import { readQuery } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { exportRequests, linesStream, MAX_EXPORT_ROWS, requestQuerySchema } from "@atrium/core/lib/serving/request-log";
import { endpointParamsSchema } from "@atrium/core/lib/serving/schemas";

// The request log as JSON Lines, streamed, the newest MAX_EXPORT_ROWS rows matching the filter.
export const GET = withUser(
  "serving",
  async (req, { db, principal, params }) => {
    const { truncated, lines } = await exportRequests(db, principal, params.name, readQuery(req, requestQuerySchema));
    const day = new Date().toISOString().slice(0, 10);
    return new Response(linesStream(lines), {
      headers: {
        "content-type": "application/x-ndjson; charset=utf-8",
        "content-disposition": `attachment; filename="${params.name}-requests-${day}.jsonl"`,
        "cache-control": "no-store",
        "x-atrium-export-truncated": truncated ? `only the newest ${MAX_EXPORT_ROWS} rows; narrow the time range for older ones` : "no",
      },
    });
  },
  endpointParamsSchema,
);
