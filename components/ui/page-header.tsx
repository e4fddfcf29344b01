import Link from "next/link";
import { Fragment, type ReactNode } from "react";

/** A page above this one in the breadcrumb; without `href`, plain text. */
export type Crumb = { href?: string; label: string; testId?: string };

/**
 * A page's heading: the pages above it ("Models / my-model /"), its title, what it is for (`children`),
 * and the page's own actions (beside the title on a wide screen, under it on a phone). A long title
 * breaks rather than widening the page.
 */
export function PageHeader(props: { title: ReactNode; crumbs?: Crumb[]; children?: ReactNode; actions?: ReactNode; titleTestId?: string }) {
  return (
    <div className="flex flex-wrap items-start justify-between gap-4 sm:flex-nowrap">
      <div className="min-w-0 flex-1">
        {props.crumbs && (
          <p className="text-sm text-slate-500">
            {props.crumbs.map((c, i) => (
              <Fragment key={i}>
                {i > 0 && " "}
                {c.href ? (
                  <Link href={c.href} className="hover:underline" data-testid={c.testId}>
                    {c.label}
                  </Link>
                ) : (
                  c.label
                )}
                {" /"}
              </Fragment>
            ))}
          </p>
        )}
        <h1
          className="flex flex-wrap items-center gap-x-3 gap-y-1 text-2xl font-semibold text-slate-900 [overflow-wrap:anywhere]"
          data-testid={props.titleTestId}
        >
          {props.title}
        </h1>
        {props.children && <div className="mt-1 text-slate-600">{props.children}</div>}
      </div>
      {props.actions}
    </div>
  );
}
