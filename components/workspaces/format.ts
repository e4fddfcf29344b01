/** Small formatting helpers shared by the workspace views (client and server). */

/** "just now", "5 min ago", "3 h ago", "2 days ago"; future stamps (clock skew) read as "just now". */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 45) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  return `${d} day${d === 1 ? "" : "s"} ago`;
}

/**
 * How a stopped or failed server ended, to go before its time: "stopped from Jupyter", "stopped (idle for
 * 30 minutes)", "stopped", "failed" (a failure's reason is shown on its own).
 */
export function endedAs(status: "stopped" | "failed", reason: string | undefined): string {
  if (status === "failed" || !reason) return status;
  return reason.startsWith("stopped") ? reason : `stopped (${reason})`;
}

/** 1 → "1", 0.5 → "0.5", 1.25 → "1.25", 0.333 → "0.33". */
export function num(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
}

export const cpus = (n: number) => `${num(n)} CPU${n === 1 ? "" : "s"}`;
export const gib = (n: number) => `${num(n)} GiB`;

/** Bytes in the unit a person reads easily: "85 MiB", "1.4 GiB". */
export function bytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1).replace(/\.0$/, "")} GiB`;
  if (n >= 1024 ** 2) return `${Math.round(n / 1024 ** 2)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} B`;
}

export const serverPath = (user: string, server: string) => `/api/users/${encodeURIComponent(user)}/servers/${encodeURIComponent(server)}`;
