/** MLflow's page token: base64 of `{"offset": N}` (with Python's spacing, so tokens match MLflow's). */
import { invalidParam } from "../errors";

export function encodePageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`).toString("base64");
}

export function decodePageToken(token: string | undefined): number {
  if (!token) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64").toString("utf8"));
  } catch {
    throw invalidParam(`Invalid page token, could not base64-decode and parse it: ${token}`);
  }
  const offset =
    typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as { offset?: unknown }).offset : undefined;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalidParam(`Invalid page token, it has no valid offset: ${token}`);
  }
  return offset;
}

/** One page of `rows` fetched with limit `max + 1`: the page, and a token when more follow. */
export function pageOf<T>(rows: T[], max: number, offset: number): { page: T[]; next_page_token?: string } {
  return rows.length > max ? { page: rows.slice(0, max), next_page_token: encodePageToken(offset + max) } : { page: rows };
}
