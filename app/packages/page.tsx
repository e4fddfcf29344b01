import { Button } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import Link from "next/link";
import { IndexUnset } from "@/components/packages/index-unset";
import { Pager } from "@/components/packages/pager";
import { formatDateTime } from "@/components/ui/dates";
import { getConfig } from "@atrium/core/lib/config";
import { ApiError } from "@atrium/core/lib/http/api-error";
import { catalogFor, type PackageSearch } from "@atrium/core/lib/packages/catalog";
import { searchQuerySchema } from "@atrium/core/lib/packages/schemas";
import { requireUser } from "../_lib/page-auth";

const PAGE_SIZE = 20;

export default async function PackagesPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const principal = await requireUser();
  const raw = await searchParams;
  const parsed = searchQuerySchema.safeParse({
    q: typeof raw.q === "string" ? raw.q : "",
    offset: typeof raw.offset === "string" ? raw.offset : "0",
    limit: String(PAGE_SIZE),
  });
  const { q, offset } = parsed.success ? parsed.data : { q: "", offset: 0 };
  const indexUrl = getConfig().pypiIndexUrl;

  let result: PackageSearch | undefined;
  let error: string | undefined;
  if (indexUrl) {
    try {
      result = await catalogFor(indexUrl).search(q, offset, PAGE_SIZE);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      error = err.message;
    }
  }

  return (
    <div className="space-y-6">
      <PageHeader title="Packages">
        Python packages from the company index. Open one to see its versions and install it into a running workspace.
      </PageHeader>
      {!indexUrl ? (
        <IndexUnset admin={principal.admin} />
      ) : (
        <>
          <form action="/packages" method="get" className="flex gap-2" role="search">
            <input
              name="q"
              defaultValue={q}
              placeholder="Search by name, e.g. pandas or scikit-learn"
              aria-label="Package name"
              autoFocus
              className="w-full max-w-xl rounded-md border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-brand-500 focus:outline-none"
            />
            <Button type="submit">Search</Button>
          </form>
          {error ? (
            <p
              role="alert"
              data-testid="packages-error"
              className="rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800"
            >
              {error} Try again in a moment; if it keeps failing, tell an admin.
            </p>
          ) : result ? (
            <section className="rounded-xl border border-slate-200 bg-white shadow-sm">
              <div className="border-b border-slate-100 px-5 py-3">
                <Pager q={q} offset={offset} limit={PAGE_SIZE} total={result.total} />
              </div>
              {result.items.length === 0 ? (
                <p className="px-5 py-8 text-center text-sm text-slate-600" data-testid="packages-none">
                  No package name contains “{q}”. Names are matched ignoring case, “-”, “_” and “.”; try a shorter part of the name.
                </p>
              ) : (
                <ul className="divide-y divide-slate-100" data-testid="package-results">
                  {result.items.map((p) => (
                    <li key={p.name}>
                      <Link
                        href={`/packages/${encodeURIComponent(p.name)}`}
                        className="flex items-center justify-between px-5 py-3 hover:bg-slate-50"
                      >
                        <span className="font-medium text-brand-700">{p.name}</span>
                        <span className="font-mono text-xs text-slate-500">{p.latest ?? ""}</span>
                      </Link>
                    </li>
                  ))}
                </ul>
              )}
              <p className="border-t border-slate-100 px-5 py-2 text-xs text-slate-400">
                From {result.index} ({result.format === "json" ? "PEP 691 JSON" : "PEP 503 HTML"}), list read{" "}
                {formatDateTime(result.listedAt, { seconds: true })}
                {result.stale ? " — the index is not answering right now, so this is the last list it sent" : ""}.
              </p>
            </section>
          ) : null}
        </>
      )}
    </div>
  );
}
