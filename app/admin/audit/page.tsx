import { Button, buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import Link from "next/link";
import { AuditTable } from "@/components/admin/audit-table";
import { auditQueryLabels, auditQuerySchema, type AuditQuery } from "@atrium/core/lib/admin/schemas";
import { AUDIT_ACTIONS } from "@atrium/core/lib/audit/record";
import { listAuditEvents } from "@atrium/core/lib/audit/search";
import { describeZodError } from "@atrium/core/lib/http/parse";
import { getDb } from "@atrium/core/lib/runtime/db";
import { requireAdmin } from "../../_lib/page-auth";

const PAGE_SIZE = 50;
const field = "mt-1 rounded-lg border border-slate-300 bg-white px-2.5 py-1.5 text-sm";

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const raw = Object.fromEntries(Object.entries(await searchParams).filter((e): e is [string, string] => typeof e[1] === "string"));
  const parsed = auditQuerySchema.safeParse({ limit: PAGE_SIZE, ...raw });
  const query: AuditQuery = parsed.success ? parsed.data : auditQuerySchema.parse({ limit: PAGE_SIZE });
  const page = await listAuditEvents(await getDb(), query);
  const filtered = Boolean(query.actor || query.target || query.action || query.since || query.until);
  const link = (offset: number) => `/admin/audit?${new URLSearchParams({ ...raw, offset: String(offset) })}`;
  const local = (d: Date | undefined) => (d ? d.toISOString().slice(0, 16) : "");

  return (
    <div className="space-y-5">
      <PageHeader title="Audit log">
        Every sign-in, start, stop, cull, role or limit change and token, with who did it, to whom and when. Newest first.
      </PageHeader>
      <form action="/admin/audit" className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
        <label className="text-sm text-slate-700">
          Who
          <input name="actor" defaultValue={query.actor ?? ""} placeholder="user name" className={`${field} block w-36`} />
        </label>
        <label className="text-sm text-slate-700">
          Target
          <input name="target" defaultValue={query.target ?? ""} placeholder="user or user/server" className={`${field} block w-44`} />
        </label>
        <label className="text-sm text-slate-700">
          Action
          <select name="action" defaultValue={query.action ?? ""} className={`${field} block`}>
            <option value="">Any action</option>
            {AUDIT_ACTIONS.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label className="text-sm text-slate-700">
          From (UTC)
          <input type="datetime-local" name="since" defaultValue={local(query.since)} className={`${field} block`} />
        </label>
        <label className="text-sm text-slate-700">
          To (UTC)
          <input type="datetime-local" name="until" defaultValue={local(query.until)} className={`${field} block`} />
        </label>
        <Button type="submit">Filter</Button>
        {filtered && (
          <Link href="/admin/audit" className="py-1.5 text-sm text-brand-600 hover:underline">
            Clear filters
          </Link>
        )}
      </form>
      {!parsed.success && (
        <p role="alert" className="text-sm text-red-600">
          The filter was ignored: {describeZodError(parsed.error, auditQueryLabels)}
        </p>
      )}
      <div className="rounded-xl border border-slate-200 bg-white px-5 py-2 shadow-sm">
        <AuditTable
          items={page.items}
          empty={
            filtered
              ? "Nothing matches these filters; widen the time range or clear a filter."
              : "Nothing has been recorded yet. Sign-ins, starts and changes appear here as they happen."
          }
        />
      </div>
      <div className="flex items-center justify-between text-sm text-slate-600">
        <span>{page.items.length === 0 ? "No events" : `Events ${query.offset + 1}–${query.offset + page.items.length}`}</span>
        <span className="flex gap-2">
          {query.offset > 0 && (
            <Link className={buttonClass("secondary")} href={link(Math.max(0, query.offset - query.limit))}>
              Newer
            </Link>
          )}
          {page.hasMore && (
            <Link className={buttonClass("secondary")} href={link(query.offset + query.limit)}>
              Older
            </Link>
          )}
        </span>
      </div>
    </div>
  );
}
