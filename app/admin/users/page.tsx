import { Button, buttonClass } from "@/components/ui/button";
import { PageHeader } from "@/components/ui/page-header";
import Link from "next/link";
import { DataTable } from "@/components/ui/data-table";
import { CellMeter } from "@/components/ui/meter";
import { DeleteUserButton } from "@/components/admin/delete-user";
import { RoleSelect } from "@/components/admin/role-select";
import { SortHeader } from "@/components/admin/sort-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { adminUsersQuerySchema, type AdminUsersQuery } from "@atrium/core/lib/admin/schemas";
import { listAdminUsers } from "@atrium/core/lib/admin/users-table";
import { formatBytes } from "@atrium/core/lib/quota/bytes";
import { getRoles } from "@atrium/core/lib/roles/manage";
import { getDb } from "@atrium/core/lib/runtime/db";
import { requireAdmin } from "../../_lib/page-auth";

const PAGE_SIZE = 50;
const GIB = 1024 ** 3;
const SOURCE_LABEL: Record<string, string> = {
  oidc: "SSO groups",
  admin: "set by an admin",
  config: "ATRIUM_ADMIN_USERS",
  default: "default",
};

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const me = await requireAdmin();
  const raw = await searchParams;
  const parsed = adminUsersQuerySchema.safeParse({ ...raw, limit: raw.limit ?? PAGE_SIZE });
  const query: AdminUsersQuery = parsed.success ? parsed.data : adminUsersQuerySchema.parse({ limit: PAGE_SIZE });
  const db = await getDb();
  const [page, roles] = await Promise.all([listAdminUsers(db, query), getRoles(db)]);
  const roleNames = roles.map((r) => r.name);
  const from = page.total === 0 ? 0 : query.offset + 1;
  const to = query.offset + page.items.length;
  const link = (patch: Partial<Record<"offset" | "sort" | "dir", string>>) => {
    const p = new URLSearchParams();
    if (query.q) p.set("q", query.q);
    if (query.role) p.set("role", query.role);
    if (query.limit !== PAGE_SIZE) p.set("limit", String(query.limit));
    const merged = { sort: query.sort, dir: query.dir, offset: "0", ...patch };
    if (merged.sort !== "name" || merged.dir !== "asc") {
      p.set("sort", merged.sort);
      p.set("dir", merged.dir);
    }
    if (merged.offset !== "0") p.set("offset", merged.offset);
    return `/admin/users?${p}`;
  };
  const sortHref = (sort: string, dir: "asc" | "desc") => link({ sort, dir });
  const header = (label: string, key: string) => (
    <SortHeader label={label} sortKey={key} current={query.sort} dir={query.dir} href={sortHref} />
  );

  return (
    <div className="space-y-5">
      <PageHeader
        title="Users"
        actions={
          <form className="flex flex-wrap gap-2" action="/admin/users">
            <input
              name="q"
              defaultValue={query.q ?? ""}
              placeholder="Search name or email"
              aria-label="Search users"
              className="w-full rounded-lg border border-slate-300 px-3 py-1.5 text-sm sm:w-56"
            />
            <select
              name="role"
              defaultValue={query.role ?? ""}
              aria-label="Filter by role"
              className="rounded-lg border border-slate-300 bg-white px-2 py-1.5 text-sm"
            >
              <option value="">All roles</option>
              {roleNames.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
            <Button type="submit">Search</Button>
          </form>
        }
      >
        Everyone who has signed in: their role and where it came from, and what their running servers hold against their limits.
      </PageHeader>
      <DataTable
        testId="users-table"
        columns={[
          { label: header("User", "name") },
          { label: header("Role", "role") },
          "Role from",
          { label: header("Servers", "servers") },
          { label: header("CPU", "cpu") },
          { label: header("Memory", "memGb") },
          "Storage",
          { label: header("Last seen", "lastSeen") },
          { label: <span className="sr-only">Actions</span> },
        ]}
        cell="px-4 font-medium first:py-2.5"
        panel
      >
        {page.items.map((u) => (
          <tr key={u.name} data-testid={`user-${u.name}`}>
            <td className="px-4 py-2.5">
              <Link
                href={`/admin/users/${encodeURIComponent(u.name)}`}
                className="font-medium text-slate-900 hover:text-brand-600 hover:underline"
              >
                {u.name}
              </Link>
              <div className="text-xs text-slate-500">{[u.displayName, u.email].filter(Boolean).join(" · ")}</div>
              {Object.keys(u.overrides).length > 0 && (
                <span
                  className="mt-0.5 inline-block rounded bg-amber-50 px-1.5 text-xs text-amber-700"
                  title={Object.entries(u.overrides)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(", ")}
                >
                  custom limits
                </span>
              )}
            </td>
            <td className="px-4">
              <RoleSelect user={u.name} role={u.role} roles={roleNames} />
            </td>
            <td className="px-4 text-slate-600">{SOURCE_LABEL[u.roleSource] ?? u.roleSource}</td>
            <td className="px-4">
              <CellMeter used={u.running.servers} max={u.limits.maxServers} unit="" label={`Servers of ${u.name}`} />
            </td>
            <td className="px-4">
              <CellMeter used={u.running.cpu} max={u.limits.maxTotalCpu} unit="CPU" label={`CPU of ${u.name}`} />
            </td>
            <td className="px-4">
              <CellMeter used={u.running.memGb} max={u.limits.maxTotalMemGb} unit="GiB" label={`Memory of ${u.name}`} />
            </td>
            <td className="px-4">
              <CellMeter
                used={u.storedBytes}
                max={u.limits.maxStorageGb * GIB}
                unit="bytes"
                label={`Artifact storage of ${u.name}`}
                text={`${formatBytes(u.storedBytes)} / ${formatBytes(u.limits.maxStorageGb * GIB)}`}
              />
            </td>
            <td className="px-4 text-slate-600">
              <RelativeTime at={u.lastSeenAt} />
            </td>
            <td className="px-4 text-right">{u.name !== me.name && <DeleteUserButton name={u.name} compact />}</td>
          </tr>
        ))}
        {page.items.length === 0 && (
          <tr>
            <td colSpan={8} className="px-4 py-10 text-center text-slate-500">
              {query.q
                ? `No user matches "${query.q}".`
                : query.role
                  ? `Nobody has the role ${query.role}.`
                  : "Nobody has signed in yet. People appear here after their first sign-in."}
            </td>
          </tr>
        )}
      </DataTable>
      <div className="flex items-center justify-between text-sm text-slate-600">
        <span>
          {from}–{to} of {page.total}
        </span>
        <span className="flex gap-2">
          {query.offset > 0 && (
            <Link className={buttonClass("secondary")} href={link({ offset: String(Math.max(0, query.offset - query.limit)) })}>
              Previous
            </Link>
          )}
          {to < page.total && (
            <Link className={buttonClass("secondary")} href={link({ offset: String(query.offset + query.limit) })}>
              Next
            </Link>
          )}
        </span>
      </div>
    </div>
  );
}
