import Link from "next/link";
import type { ReactNode } from "react";
import { Card } from "@/components/ui/card";

/**
 * One kind of thing in a project as a card of links: each item's name, who made it and a detail; `total` says
 * how many there are when the page lists fewer; `empty` what to do when there are none.
 */
export function ContentsList<T>(props: {
  title: string;
  testId: string;
  items: T[];
  total: number;
  empty: ReactNode;
  action?: ReactNode;
  item: (t: T) => { key: string; href: string; name: string; by: string | null; detail?: ReactNode };
}) {
  const { items, total } = props;
  return (
    <Card
      title={props.title}
      description={total > items.length ? `The ${items.length} latest of ${total}.` : undefined}
      action={props.action}
    >
      {items.length === 0 ? (
        <p className="text-sm text-slate-500">{props.empty}</p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm" data-testid={props.testId}>
          {items.map((t) => {
            const row = props.item(t);
            return (
              <li key={row.key} className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-0.5 py-2">
                <Link href={row.href} className="min-w-0 font-medium text-brand-700 hover:underline [overflow-wrap:anywhere]">
                  {row.name}
                </Link>
                <span className="text-xs text-slate-500">
                  {row.detail}
                  {row.detail && row.by ? " · " : ""}
                  {row.by ? `by ${row.by}` : ""}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
