import Link from "next/link";

/** A column header that sorts the table by its key; a second click reverses the order. */
export function SortHeader({
  label,
  sortKey,
  current,
  dir,
  href,
}: {
  label: string;
  sortKey: string;
  current: string;
  dir: "asc" | "desc";
  href: (sort: string, dir: "asc" | "desc") => string;
}) {
  const active = current === sortKey;
  const next = active && dir === "asc" ? "desc" : "asc";
  return (
    <Link
      href={href(sortKey, next)}
      className={`inline-flex items-center gap-1 hover:text-slate-900 ${active ? "text-slate-900" : ""}`}
      aria-label={`Sort by ${label}`}
    >
      {label}
      <span aria-hidden className="text-xs">
        {active ? (dir === "asc" ? "▲" : "▼") : "↕"}
      </span>
    </Link>
  );
}
