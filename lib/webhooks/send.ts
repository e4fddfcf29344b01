/**
 * One HTTP attempt of a webhook delivery, as MLflow sends it (mlflow/webhooks/delivery.py
 * `_send_webhook_request`, constants.py): POST of the JSON body with `Content-Type: application/json`,
 * `X-MLflow-Delivery-Id`, `X-MLflow-Timestamp` (Unix seconds) and, when the webhook has a secret,
 * `X-MLflow-Signature: v1,<base64 HMAC-SHA256 of "{delivery_id}.{timestamp}.{body}">`. One deadline for the
 * whole attempt, at most WEBHOOK_RESPONSE_SNIPPET_BYTES of the answer kept, redirects not followed.
 */
import { createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import type { WebhookSettings } from "@/lib/config";
import { pythonJson } from "@/lib/util/python-json";
import { splitEvent } from "./events";
import { isPublicAddress, publicOnlyLookup } from "./url";

export const WEBHOOK_RESPONSE_SNIPPET_BYTES = 4096;

/** MLflow's `_generate_hmac_signature`. */
export function webhookSignature(secret: string, deliveryId: string, timestamp: string, body: string): string {
  const digest = createHmac("sha256", Buffer.from(secret, "utf8")).update(`${deliveryId}.${timestamp}.${body}`, "utf8").digest("base64");
  return `v1,${digest}`;
}

/**
 * The body MLflow posts: `{ entity, action, timestamp, data }`, `timestamp` in Python's isoformat of an aware
 * UTC datetime ("2025-01-01T12:00:00.123000+00:00"), serialised as `json.dumps` does (", " and ": ").
 */
export function webhookBody(eventType: string, payload: Record<string, unknown>, at: Date): string {
  const { entity, action } = splitEvent(eventType);
  const timestamp = at.toISOString().replace(/\.(\d{3})Z$/, ".$1000+00:00");
  return pythonJson({ entity, action, timestamp, data: payload });
}

export interface AttemptOutcome {
  statusCode: number | null;
  responseSnippet: string | null;
  /** Retry-After in ms, when the receiver sent one. */
  retryAfterMs: number | null;
  error: string | null;
  /** Refused before sending (a non-public address): never retried, as MLflow's SSRFProtectionError. */
  refused?: boolean;
  durationMs: number;
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export interface AttemptRequest {
  url: string;
  body: string;
  deliveryId: string;
  secret: string | null;
  settings: Pick<WebhookSettings, "allowPrivateIps" | "requestTimeoutMs">;
  now?: () => number;
}

/** Sends once; never throws (the outcome says what went wrong). */
export async function sendAttempt(req: AttemptRequest): Promise<AttemptOutcome> {
  const started = Date.now();
  const done = (o: Omit<AttemptOutcome, "durationMs">): AttemptOutcome => ({ ...o, durationMs: Date.now() - started });
  const failed = (error: string, refused = false) => done({ statusCode: null, responseSnippet: null, retryAfterMs: null, error, refused });
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return failed(`Invalid webhook URL: '${req.url}'`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, "");
  // A literal address is connected to without a lookup, so it is checked here.
  if (isIP(host) && !req.settings.allowPrivateIps && !isPublicAddress(host))
    return failed(`Webhook URL host '${host}' is not a public address; set MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS=true to allow it.`, true);
  const timestamp = String(Math.floor((req.now ?? Date.now)() / 1000));
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(req.body)),
    "X-MLflow-Delivery-Id": req.deliveryId,
    "X-MLflow-Timestamp": timestamp,
    "User-Agent": "atrium-webhooks",
  };
  if (req.secret) headers["X-MLflow-Signature"] = webhookSignature(req.secret, req.deliveryId, timestamp, req.body);
  const client = url.protocol === "https:" ? https : http;
  return new Promise<AttemptOutcome>((resolve) => {
    let settled = false;
    const finish = (o: Omit<AttemptOutcome, "durationMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(done(o));
    };
    const request = client.request(url, { method: "POST", headers, lookup: publicOnlyLookup(req.settings) as never }, (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on("data", (chunk: Buffer) => {
        if (kept >= WEBHOOK_RESPONSE_SNIPPET_BYTES) {
          res.destroy();
          return;
        }
        const part = chunk.subarray(0, WEBHOOK_RESPONSE_SNIPPET_BYTES - kept);
        chunks.push(part);
        kept += part.length;
      });
      const end = () =>
        finish({
          statusCode: res.statusCode ?? null,
          responseSnippet: Buffer.concat(chunks).toString("utf8"),
          retryAfterMs: parseRetryAfter(res.headers["retry-after"]),
          error: null,
        });
      res.on("end", end);
      res.on("close", end);
      res.on("error", end);
    });
    const timer = setTimeout(() => {
      request.destroy();
      finish({
        statusCode: null,
        responseSnippet: null,
        retryAfterMs: null,
        error: `No answer within ${req.settings.requestTimeoutMs / 1000} s.`,
      });
    }, req.settings.requestTimeoutMs);
    request.on("error", (err: NodeJS.ErrnoException) =>
      finish({
        statusCode: null,
        responseSnippet: null,
        retryAfterMs: null,
        error: err.message.slice(0, 1000),
        refused: err.code === "EWEBHOOKPRIVATE",
      }),
    );
    request.end(req.body);
  });
}

/** MLflow's retry list (delivery.py `status_forcelist`): 429 and 500, 502, 503, 504; a network error too. */
export const isRetryable = (o: AttemptOutcome) => !o.refused && (o.statusCode === null || [429, 500, 502, 503, 504].includes(o.statusCode));
