import type { ReactNode } from "react";
import { Crumbs, type Crumb } from "./crumbs";

/**
 * A page's heading: the pages above it, its title, a line on what it is for, and the page's own actions
 * (beside the title on a wide screen, under it on a phone). A long title breaks rather than widening the page.
 */
export function PageHeader(props: {
  title: ReactNode;
  crumbs?: Crumb[];
  description?: ReactNode;
  actions?: ReactNode;
  titleTestId?: string;
}) {
  return (
    <div className="flex flex-wrap items-start justify-between gap-4">
      <div className="min-w-0">
        {props.crumbs && <Crumbs links={props.crumbs} />}
        <h1
          className="flex flex-wrap items-center gap-x-3 gap-y-1 text-2xl font-semibold text-slate-900 [overflow-wrap:anywhere]"
          data-testid={props.titleTestId}
        >
          {props.title}
        </h1>
        {props.description && <div className="mt-1 text-slate-600">{props.description}</div>}
      </div>
      {props.actions}
    </div>
  );
}
