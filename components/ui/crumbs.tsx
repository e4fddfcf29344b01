import Link from "next/link";
import { Fragment } from "react";

/** "Models / my-model /" over a page's title: the pages above this one, each link followed by a slash. */
export function Crumbs({ links }: { links: { href: string; label: string; testId?: string }[] }) {
  return (
    <p className="text-sm text-slate-500">
      {links.map((l, i) => (
        <Fragment key={l.href}>
          {i > 0 && " "}
          <Link href={l.href} className="hover:underline" data-testid={l.testId}>
            {l.label}
          </Link>
          {" /"}
        </Fragment>
      ))}
    </p>
  );
}
