/**
 * The trace's `traces.json` under its artifact location (`mlflow-artifacts:/<exp>/traces/<trace_id>/artifacts`,
 * the tag mlflow.artifactLocation): the MLflow 3 client uploads span data there with a PUT and reads it back
 * with a GET (mlflow/tracing/client.py `_upload_trace_data`, `_download_trace_data`; the artifact
 * repository's `upload_trace_data`). Atrium keeps spans in Postgres instead of a file, so these requests
 * are answered from `trace_spans`: the upload is parsed into rows, the download streamed from them page by page.
 */
import type { Db } from "@/db/client";
import { BodyTooLarge, readBodyBytes } from "@/lib/http/body";
import type { Principal } from "@/lib/auth/principal";
import type { TrackingContext } from "../context";
import { invalidParam, TrackingError, trackingErrorResponse } from "../errors";
import { traceOrThrow, writableTrace } from "./access";
import { MAX_SPAN_UPLOAD_BYTES } from "./limits";
import { traceSpanContents } from "./operations";
import { spansOfTraceData } from "./spans";
import { storeSpans } from "./store-spans";

const TRACE_DATA_FILE = "traces.json";

/** Whether an artifact path is under a trace's folder: `<exp>/traces/<trace_id>/...`. */
export const isTracePath = (segments: readonly string[]) => segments[1] === "traces";

interface TracePath {
  experimentId: string;
  traceId: string;
  /** The segments after `artifacts`. */
  inside: string[];
}

function tracePathOf(segments: readonly string[]): TracePath {
  const [experimentId, , traceId, artifacts, ...inside] = segments;
  if (!experimentId || !traceId || (artifacts !== undefined && artifacts !== "artifacts")) {
    throw invalidParam("Trace artifact paths are <experiment_id>/traces/<trace_id>/artifacts/traces.json.");
  }
  return { experimentId, traceId, inside };
}

async function traceIn(db: Db, path: TracePath) {
  const trace = await traceOrThrow(db, path.traceId);
  if (String(trace.experimentId) !== path.experimentId)
    throw invalidParam(`Trace ${trace.traceId} is not in experiment ${path.experimentId}.`);
  return trace;
}

function onlyTraceData(path: TracePath): void {
  if (path.inside.length !== 1 || path.inside[0] !== TRACE_DATA_FILE) {
    throw invalidParam(`A trace's artifacts hold one file, ${TRACE_DATA_FILE}.`);
  }
}

const answer = async (work: () => Promise<Response>): Promise<Response> => {
  try {
    return await work();
  } catch (err) {
    if (err instanceof TrackingError) return trackingErrorResponse(err);
    throw err;
  }
};

/** PUT …/traces/<id>/artifacts/traces.json: the spans replace what is stored under the same span ids. */
export function uploadTraceFile(db: Db, principal: Principal, segments: string[], req: Request): Promise<Response> {
  return answer(async () => {
    const path = tracePathOf(segments);
    onlyTraceData(path);
    let body: Uint8Array;
    try {
      body = await readBodyBytes(req, MAX_SPAN_UPLOAD_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLarge) throw new TrackingError("REQUEST_LIMIT_EXCEEDED", err.message);
      throw err;
    }
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(body).toString("utf8"));
    } catch {
      throw invalidParam(`${TRACE_DATA_FILE} is not valid JSON.`);
    }
    await db.transaction(async (tx: Db) => {
      const trace = await traceIn(tx, path);
      const locked = await writableTrace(tx, principal, trace.traceId);
      await storeSpans(tx, [{ trace: locked, spans: spansOfTraceData(data, trace.traceId) }]);
    });
    return Response.json({});
  });
}

/** GET …/traces/<id>/artifacts/traces.json, streamed: `{"spans": [` then each span, a page of rows at a time. */
export function downloadTraceFile(ctx: TrackingContext, segments: string[]): Promise<Response> {
  return answer(async () => {
    const path = tracePathOf(segments);
    onlyTraceData(path);
    const trace = await traceIn(ctx.db, path);
    const encoder = new TextEncoder();
    const spans = traceSpanContents(ctx, trace.traceId)[Symbol.asyncIterator]();
    let first = true;
    let done = false;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('{"spans": ['));
      },
      async pull(controller) {
        if (done) return;
        const next = await spans.next();
        if (next.done) {
          done = true;
          controller.enqueue(encoder.encode("]}"));
          controller.close();
          return;
        }
        controller.enqueue(encoder.encode(`${first ? "" : ", "}${JSON.stringify(next.value)}`));
        first = false;
      },
    });
    return new Response(stream, {
      headers: { "content-type": "application/json", "content-disposition": `attachment; filename="${TRACE_DATA_FILE}"` },
    });
  });
}

/** The listing MLflow's artifact repository asks for before a download: the folder holds traces.json; the file lists as nothing. */
export function listTraceFiles(db: Db, segments: string[]): Promise<Response> {
  return answer(async () => {
    const path = tracePathOf(segments);
    const trace = await traceIn(db, path);
    if (path.inside.length > 0) return Response.json({});
    if (trace.spanBytes === 0) return Response.json({});
    return Response.json({ files: [{ path: TRACE_DATA_FILE, is_dir: false, file_size: trace.spanBytes }] });
  });
}
