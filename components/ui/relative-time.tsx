import { relativeTime } from "@/components/workspaces/format";
import { formatDateTime, type Moment } from "./dates";

/**
 * "5 min ago" with the moment itself on hover (title) and in the markup (<time dateTime>): a relative time
 * alone cannot be checked against a log or a colleague's screen. No hooks, so pages and client components
 * alike use it; `now` lets a ticking list keep it fresh.
 */
export function RelativeTime({ at, now }: { at: Moment | null | undefined; now?: number }) {
  if (at === null || at === undefined) return <>never</>;
  const iso = new Date(at).toISOString();
  return (
    <time dateTime={iso} title={formatDateTime(iso, { seconds: true })} suppressHydrationWarning>
      {relativeTime(iso, now)}
    </time>
  );
}
