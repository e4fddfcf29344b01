import Link from "next/link";

/** "1–20 of 345" with previous/next links that keep the query. */
export function Pager({ q, offset, limit, total }: { q: string; offset: number; limit: number; total: number }) {
  const href = (o: number) => `/packages?${new URLSearchParams({ ...(q ? { q } : {}), ...(o ? { offset: String(o) } : {}) }).toString()}`;
  const link = "rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-50";
  return (
    <nav className="flex items-center justify-between gap-4 text-sm text-slate-600" aria-label="Result pages">
      <span data-testid="packages-range">
        {total === 0 ? "No packages" : `${offset + 1}–${Math.min(offset + limit, total)} of ${total.toLocaleString("en")}`}
      </span>
      <span className="flex gap-2">
        {offset > 0 ? (
          <Link className={link} href={href(Math.max(0, offset - limit))}>
            ← Previous
          </Link>
        ) : null}
        {offset + limit < total ? (
          <Link className={link} href={href(offset + limit)} data-testid="packages-next">
            Next →
          </Link>
        ) : null}
      </span>
    </nav>
  );
}
