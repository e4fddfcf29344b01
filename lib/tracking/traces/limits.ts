/**
 * How much a trace may hold. Spans are stored one per row (db/schema.ts `trace_spans`) and read back in
 * pages, so a large trace never has to be built in memory in one piece; the cap keeps one trace from
 * filling the database. Past it the write is refused whole with REQUEST_LIMIT_EXCEEDED (413).
 */
import { TrackingError } from "../errors";

/** Span JSON per trace, summed over its spans. */
export const MAX_TRACE_SPAN_BYTES = 16 * 1024 * 1024;
/** One OTLP export or one traces.json upload. */
export const MAX_SPAN_UPLOAD_BYTES = 16 * 1024 * 1024;
/** Spans read per database round trip when a trace's data is streamed out. */
export const SPAN_PAGE_SIZE = 500;
/** MLflow's limit for LinkTracesToRun (mlflow/store/tracking/sqlalchemy_store.py). */
export const MAX_TRACES_PER_LINK = 100;
/** Request/response previews are cut here (MLflow cuts them on the client; this keeps older clients' in bounds). */
export const MAX_PREVIEW_CHARS = 10_000;
export const MAX_TRACE_TAG_KEY = 250;
export const MAX_TRACE_TAG_VALUE = 8000;

export function traceTooLarge(traceId: string, bytes: number): TrackingError {
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return new TrackingError(
    "REQUEST_LIMIT_EXCEEDED",
    `Trace ${traceId} would hold ${mib(bytes)} of span data; the limit is ${mib(MAX_TRACE_SPAN_BYTES)} per trace.`,
  );
}
