/** Writing spans to a trace under its size cap (limits.ts); call inside the request's transaction so a refusal leaves nothing. */
import type { Db } from "@/db/client";
import { upsertSpans, type NewSpan } from "@/db/queries/traces";
import { MAX_TRACE_SPAN_BYTES, traceTooLarge } from "./limits";

export async function storeSpans(db: Db, traceId: string, rows: NewSpan[]): Promise<void> {
  if (rows.length === 0) return;
  const bytes = await upsertSpans(db, traceId, rows);
  if (bytes > MAX_TRACE_SPAN_BYTES) throw traceTooLarge(traceId, bytes);
}
