import Link from "next/link";
import { Fragment } from "react";

export type Crumb = { href?: string; label: string; testId?: string };

/** "Models / my-model /" over a page's title: the pages above this one, each followed by a slash; a crumb without `href` is plain text. */
export function Crumbs({ links }: { links: Crumb[] }) {
  return (
    <p className="text-sm text-slate-500">
      {links.map((l, i) => (
        <Fragment key={`${i}-${l.label}`}>
          {i > 0 && " "}
          {l.href ? (
            <Link href={l.href} className="hover:underline" data-testid={l.testId}>
              {l.label}
            </Link>
          ) : (
            l.label
          )}
          {" /"}
        </Fragment>
      ))}
    </p>
  );
}
