/**
 * Writing spans to traces under the per-trace cap (limits.ts) and their owners' storage quota: span data is
 * stored data, counted with the owner's artifacts (lib/quota/storage.ts `chargeStorage`). Call inside the
 * request's transaction, with each trace row locked (`writableTrace`, `insertTraceIfMissing`), so writers to
 * one trace are counted one at a time and a refusal leaves nothing.
 */
import type { Db } from "@/db/client";
import { upsertSpans, type NewSpan, type TraceRow } from "@/db/queries/traces";
import { chargeStorage, StorageQuotaExceeded } from "@/lib/quota/storage";
import { TrackingError } from "../errors";
import { MAX_TRACE_SPAN_BYTES, traceTooLarge } from "./limits";

export interface SpanWrite {
  /** Locked by the caller; its `spanBytes` is what it held before this write. */
  trace: TraceRow;
  spans: NewSpan[];
  /** The trace was inserted by this transaction, so it holds no spans yet. */
  created?: boolean;
}

const ownerOf = (trace: TraceRow) => ({ id: trace.ownerId, name: trace.creator });
const sumOf = (spans: NewSpan[]) => spans.reduce((n, s) => n + s.sizeBytes, 0);

/** A span sent twice in one export is kept once, as sent last (a later export replaces it the same way); one
 * statement cannot upsert a row twice. */
function lastOfEachId(spans: NewSpan[]): NewSpan[] {
  const byId = new Map<string, NewSpan>();
  for (const span of spans) {
    byId.delete(span.spanId);
    byId.set(span.spanId, span);
  }
  return byId.size === spans.length ? spans : [...byId.values()];
}

/** `knownLimits`: owners' quotas already read in this transaction (lib/quota/storage.ts `chargeStorage`). */
export async function storeSpans(db: Db, sent: SpanWrite[], knownLimits?: ReadonlyMap<string, number | null>): Promise<void> {
  const writes = sent.map((w) => ({ ...w, spans: lastOfEachId(w.spans) }));
  const charges: { owner: { id: string | null; name: string | null }; bytes: number }[] = [];
  if (writes.every((w) => w.created)) {
    // New traces grow by exactly their spans: every write and the charge are known before any is made, so they
    // are sent together (postgres.js pipelines a transaction's queries), one round trip for all.
    for (const { trace, spans } of writes) {
      const bytes = sumOf(spans);
      if (bytes > MAX_TRACE_SPAN_BYTES) throw traceTooLarge(trace.traceId, bytes);
      charges.push({ owner: ownerOf(trace), bytes });
    }
    const upserts = writes.filter((w) => w.spans.length > 0).map((w) => upsertSpans(db, w.trace.traceId, w.spans));
    await Promise.all([...upserts, chargeSpanBytes(db, charges, knownLimits)]);
    return;
  }
  for (const { trace, spans } of writes) {
    if (spans.length === 0) continue;
    const bytes = await upsertSpans(db, trace.traceId, spans);
    if (bytes > MAX_TRACE_SPAN_BYTES) throw traceTooLarge(trace.traceId, bytes);
    charges.push({ owner: ownerOf(trace), bytes: bytes - trace.spanBytes });
  }
  await chargeSpanBytes(db, charges, knownLimits);
}

/** Deleted traces: their span bytes no longer count against their owners. */
export async function releaseSpanBytes(db: Db, deleted: TraceRow[]): Promise<void> {
  await chargeSpanBytes(
    db,
    deleted.map((t) => ({ owner: ownerOf(t), bytes: -t.spanBytes })),
  );
}

/** Over the quota: MLflow's RESOURCE_EXHAUSTED with the portal's sentence (413, as an artifact upload's refusal). */
async function chargeSpanBytes(
  db: Db,
  charges: Parameters<typeof chargeStorage>[1],
  knownLimits?: ReadonlyMap<string, number | null>,
): Promise<void> {
  try {
    await chargeStorage(db, charges, knownLimits);
  } catch (err) {
    if (err instanceof StorageQuotaExceeded) throw new TrackingError("RESOURCE_EXHAUSTED", err.message);
    throw err;
  }
}
