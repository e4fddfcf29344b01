/**
 * The one way the portal writes a moment: "2026-01-05 14:03 UTC". UTC, because pages are rendered on
 * the server and in the browser alike (a local time zone would differ between the two), and because
 * the audit log, the usage charts and the engine's logs all speak UTC.
 */
export type Moment = string | number | Date;

const iso = (at: Moment) => new Date(at).toISOString();

/** "2026-01-05 14:03 UTC"; with `seconds`, "2026-01-05 14:03:07 UTC". */
export function formatDateTime(at: Moment, opts: { seconds?: boolean } = {}): string {
  const s = iso(at);
  return `${s.slice(0, 10)} ${s.slice(11, opts.seconds ? 19 : 16)} UTC`;
}

/** "2026-01-05": the date part of formatDateTime, for days (token expiry). */
export function formatDate(at: Moment): string {
  return iso(at).slice(0, 10);
}

/** "14:03:07": the time part, for lists within one sitting (a start's event log). */
export function formatClock(at: Moment): string {
  return iso(at).slice(11, 19);
}
