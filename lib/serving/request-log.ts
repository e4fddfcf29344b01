/**
 * The request log's read side for the endpoint page and its API (docs/serving.md, "The pages"): a page of requests
 * by keyset, the JSON Lines export, the per-version series for the charts and the drift report. The rows hold callers'
 * names and sampled bodies, so the log and drift are its owner's and admins' ("write" on the endpoint, the one rule in
 * lib/auth/access.ts); the charts are aggregates, read by whoever may read the endpoint.
 */
import { z } from "zod";
import type { Db } from "@/db/client";
import type { OwnedEndpoint } from "@/db/queries/serving";
import {
  countRequestsUpTo,
  pageRequests,
  requestSeries,
  sampledBodies,
  type RequestCursor,
  type RequestFilter,
  type RequestPageRow,
} from "@/db/queries/serving-request-log";
import type { Caller } from "@/lib/auth/access";
import { badRequest } from "@/lib/http/api-error";
import { assertMay, endpointNamed } from "./access";
import { driftReport, type DriftReport } from "./drift";

/** The charts' windows: how far back, and the bucket that keeps each under 170 points per served version. */
export const RANGES = {
  hour: { ms: 3_600_000, bucketS: 60 },
  day: { ms: 86_400_000, bucketS: 900 },
  week: { ms: 604_800_000, bucketS: 3600 },
} as const;
export type RangeName = keyof typeof RANGES;
export const rangeSchema = z.object({ range: z.enum(["hour", "day", "week"]).default("hour") });

export const MAX_PAGE = 200;
/** The most rows one export holds (the newest matching the filter); the page says so and how to get older ones. */
export const MAX_EXPORT_ROWS = 100_000;
/** The most sampled bodies drift reads per window. */
export const MAX_DRIFT_SAMPLES = 2000;

const isoDate = z.iso.datetime({ offset: true, error: "must be a time such as 2026-12-07T10:00:00Z" }).transform((s) => new Date(s));

/** The request log's filters, as the query string says them. */
export const requestQuerySchema = z.object({
  status: z
    .union([z.enum(["ok", "error"]), z.string().regex(/^[1-5][0-9]{2}$/, { error: "must be ok, error or a status such as 500" })])
    .transform((s) => (s === "ok" || s === "error" ? s : Number(s)))
    .optional(),
  version: z.string().min(1).max(63).optional(),
  caller: z.string().min(1).max(200).optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
  page_token: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(50),
});
export type RequestQuery = z.output<typeof requestQuerySchema>;

/** Postgres' text of a timestamptz ("2026-12-07 10:00:05.500123+00"), with a real calendar date: anything else would reach the database as an error. */
const cursorAt = z
  .string()
  .regex(/^\d{4}-\d\d-\d\d ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?[+-]\d\d(:\d\d)?$/)
  .refine((at) => {
    const [y, m, d] = at.slice(0, 10).split("-").map(Number) as [number, number, number];
    const day = new Date(Date.UTC(y, m - 1, d));
    return y >= 1 && day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
  });
const cursorSchema = z.object({ at: cursorAt, id: z.int().positive().max(Number.MAX_SAFE_INTEGER) });

export function encodeCursor(c: RequestCursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

export function decodeCursor(token: string): RequestCursor {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(token, "base64url").toString("utf8")));
  } catch {
    throw badRequest("invalid_page_token", "The page_token is not one this request log gave out; start again from the first page.");
  }
}

const filterOf = (q: RequestQuery): RequestFilter => ({
  ...(q.status !== undefined ? { status: q.status } : {}),
  ...(q.version !== undefined ? { servedEntity: q.version } : {}),
  ...(q.caller !== undefined ? { caller: q.caller } : {}),
  ...(q.from ? { from: q.from } : {}),
  ...(q.to ? { to: q.to } : {}),
});

/** The endpoint, if the caller may read its request log. */
export async function requestLogOf(db: Db, caller: Caller, name: string): Promise<OwnedEndpoint> {
  const e = await endpointNamed(db, name);
  assertMay(caller, "write", e, undefined, `read the request log of endpoint ${name}`);
  return e;
}

/** One request as the API answers it (and as each line of the export is). */
export function requestView(r: RequestPageRow) {
  return {
    id: r.id,
    time: r.at.toISOString(),
    caller: r.callerName,
    token_id: r.tokenId,
    served_entity: r.servedEntity,
    model_version: r.modelVersion,
    shadow: r.shadow,
    status: r.status,
    latency_ms: r.latencyMs,
    request_bytes: r.requestBytes,
    response_bytes: r.responseBytes,
    request_sample: r.requestSample,
    response_sample: r.responseSample,
  };
}
export type RequestView = ReturnType<typeof requestView>;

/** GET /api/serving/<name>/requests: newest first, `next_page_token` while there may be more. */
export async function listRequests(
  db: Db,
  caller: Caller,
  name: string,
  q: RequestQuery,
): Promise<{ requests: RequestView[]; next_page_token?: string }> {
  const e = await requestLogOf(db, caller, name);
  const after = q.page_token ? decodeCursor(q.page_token) : null;
  const rows = await pageRequests(db, e.id, filterOf(q), after, q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    requests: page.map(requestView),
    ...(rows.length > q.limit && last ? { next_page_token: encodeCursor({ at: last.cursorAt, id: last.id }) } : {}),
  };
}

/**
 * The export: JSON Lines of the newest `MAX_EXPORT_ROWS` requests matching the filter, read a thousand at a time as
 * the client takes them. `truncated` says whether more matched (known before the first byte, for a header).
 */
export async function exportRequests(
  db: Db,
  caller: Caller,
  name: string,
  q: RequestQuery,
  cap = MAX_EXPORT_ROWS,
): Promise<{ truncated: boolean; lines: AsyncGenerator<string> }> {
  const e = await requestLogOf(db, caller, name);
  const filter = filterOf(q);
  const first = q.page_token ? decodeCursor(q.page_token) : null;
  const truncated = (await countRequestsUpTo(db, e.id, filter, first, cap + 1)) > cap;
  async function* lines(): AsyncGenerator<string> {
    let after = first;
    let sent = 0;
    while (sent < cap) {
      const want = Math.min(1000, cap - sent);
      const rows = await pageRequests(db, e.id, filter, after, want);
      for (const r of rows) yield `${JSON.stringify(requestView(r))}\n`;
      sent += rows.length;
      const last = rows.at(-1);
      if (rows.length < want || !last) return;
      after = { at: last.cursorAt, id: last.id };
    }
  }
  return { truncated, lines: lines() };
}

/** One served version's points in a window: requests per second, error share and latency percentiles per bucket. */
export interface VersionSeries {
  served_entity: string;
  model_version: number | null;
  points: { t: number; rps: number; error_rate: number; p50: number; p95: number; p99: number; requests: number }[];
}

/** GET /api/serving/<name>/metrics: the charts' data for the last hour, day or week, per served version. */
export async function endpointSeries(
  db: Db,
  caller: Caller,
  name: string,
  range: RangeName,
  now = new Date(),
): Promise<{ range: RangeName; from: number; to: number; bucket_s: number; versions: VersionSeries[] }> {
  const e = await endpointNamed(db, name);
  assertMay(caller, "read", e);
  const { ms, bucketS } = RANGES[range];
  // The window ends at the end of the current bucket, so the newest bucket is whole on the axis.
  const to = (Math.floor(now.getTime() / 1000 / bucketS) + 1) * bucketS * 1000;
  const from = to - ms;
  const points = await requestSeries(db, e.id, { from: new Date(from), to: new Date(to), bucketS });
  const versions = new Map<string, VersionSeries>();
  for (const p of points) {
    let v = versions.get(p.servedEntity);
    if (!v) versions.set(p.servedEntity, (v = { served_entity: p.servedEntity, model_version: p.modelVersion, points: [] }));
    v.points.push({
      t: p.bucket * 1000,
      rps: p.requests / bucketS,
      error_rate: p.requests === 0 ? 0 : p.errors / p.requests,
      p50: p.p50,
      p95: p.p95,
      p99: p.p99,
      requests: p.requests,
    });
  }
  return { range, from, to, bucket_s: bucketS, versions: [...versions.values()] };
}

/**
 * GET /api/serving/<name>/drift: the current window (the last hour, day or week) against the reference window, the
 * one of equal length just before it, from up to MAX_DRIFT_SAMPLES sampled bodies of each.
 */
export async function endpointDrift(
  db: Db,
  caller: Caller,
  name: string,
  range: RangeName,
  now = new Date(),
): Promise<DriftReport & { range: RangeName; current_window: [number, number]; reference_window: [number, number] }> {
  const e = await requestLogOf(db, caller, name);
  const { ms } = RANGES[range];
  const to = now.getTime();
  const from = to - ms;
  const current = await sampledBodies(db, e.id, { from: new Date(from), to: new Date(to) }, MAX_DRIFT_SAMPLES);
  const reference = await sampledBodies(db, e.id, { from: new Date(from - ms), to: new Date(from) }, MAX_DRIFT_SAMPLES);
  return { range, current_window: [from, to], reference_window: [from - ms, from], ...driftReport(reference, current) };
}

/** The export's lines as a byte stream that reads the next thousand rows only when the client has taken the last ones. */
export function linesStream(lines: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await lines.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(next.value));
      } catch (err) {
        console.error("[atrium] request log export failed:", err);
        controller.error(err);
      }
    },
    async cancel() {
      await lines.return(undefined);
    },
  });
}
