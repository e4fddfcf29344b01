/**
 * Headers for everything the portal itself serves (pages and its API; never a workspace's answers,
 * which come from the workspace proxy). A fresh nonce per request lets Next's own inline scripts run
 * and nothing else: Next reads the nonce from the request's Content-Security-Policy header, so the
 * same policy is put on the request (replacing anything a client sent) and on the response.
 * `frame-ancestors 'none'` and X-Frame-Options keep the portal out of other sites' frames.
 * Styles stay 'unsafe-inline': React and the charts set style attributes, which nonces cannot cover.
 */
import { randomBytes } from "node:crypto";

export interface SecurityHeaders {
  nonce: string;
  policy: string;
  headers: [name: string, value: string][];
}

export function securityHeaders(opts: { dev: boolean }): SecurityHeaders {
  const nonce = randomBytes(16).toString("base64");
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic': scripts Next loads from a nonced script may load further chunks.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${opts.dev ? " ws: wss:" : ""}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  const policy = directives.join("; ");
  return {
    nonce,
    policy,
    headers: [
      ["content-security-policy", policy],
      ["x-frame-options", "DENY"],
      ["referrer-policy", "same-origin"],
      ["x-content-type-options", "nosniff"],
    ],
  };
}
