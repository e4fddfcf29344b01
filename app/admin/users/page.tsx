import Link from "next/link";
import { RoleSelect } from "@/components/admin/role-select";
import { getRoles } from "@/lib/roles/manage";
import { getDb } from "@/lib/runtime/db";
import { listUsers } from "@/lib/users/manage";
import { listUsersQuerySchema } from "@/lib/users/schemas";
import { requireAdmin } from "../../_lib/page-auth";

const PAGE_SIZE = 50;
const SOURCE_LABEL: Record<string, string> = { oidc: "SSO groups", admin: "set by an admin", config: "ATRIUM_ADMIN_USERS", default: "default" };

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireAdmin();
  const raw = await searchParams;
  const parsed = listUsersQuerySchema.safeParse({ q: raw.q, offset: raw.offset, limit: PAGE_SIZE });
  const query = parsed.success ? parsed.data : { q: undefined, offset: 0, limit: PAGE_SIZE };
  const db = await getDb();
  const [page, roles] = await Promise.all([listUsers(db, query), getRoles(db)]);
  const roleNames = roles.map((r) => r.name);
  const from = page.total === 0 ? 0 : query.offset + 1;
  const to = query.offset + page.items.length;
  const link = (offset: number) => `/admin/users?${new URLSearchParams({ ...(query.q ? { q: query.q } : {}), offset: String(offset) })}`;

  return (
    <div className="space-y-5">
      <div className="flex items-end justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold text-slate-900">Users</h1>
          <p className="mt-1 text-slate-600">Everyone who has signed in, with their role and where it came from.</p>
        </div>
        <form className="flex gap-2" action="/admin/users">
          <input
            name="q"
            defaultValue={query.q ?? ""}
            placeholder="Search name or email"
            aria-label="Search users"
            className="w-64 rounded-lg border border-slate-300 px-3 py-1.5 text-sm"
          />
          <button className="rounded-lg bg-slate-800 px-3 py-1.5 text-sm font-medium text-white hover:bg-slate-700">Search</button>
        </form>
      </div>
      <div className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
        <table className="w-full text-sm" data-testid="users-table">
          <thead className="bg-slate-50 text-left text-slate-500">
            <tr>
              <th className="px-4 py-2.5 font-medium">User</th>
              <th className="px-4 font-medium">Role</th>
              <th className="px-4 font-medium">Role from</th>
              <th className="px-4 font-medium">Limit overrides</th>
              <th className="px-4 font-medium">Last seen</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {page.items.map((u) => (
              <tr key={u.name}>
                <td className="px-4 py-2.5">
                  <div className="font-medium text-slate-900">{u.name}</div>
                  <div className="text-xs text-slate-500">{[u.displayName, u.email].filter(Boolean).join(" · ")}</div>
                </td>
                <td className="px-4">
                  <RoleSelect user={u.name} role={u.role} roles={roleNames} />
                </td>
                <td className="px-4 text-slate-600">{SOURCE_LABEL[u.roleSource] ?? u.roleSource}</td>
                <td className="px-4 text-slate-600">
                  {Object.keys(u.limits).length === 0
                    ? "—"
                    : Object.entries(u.limits)
                        .map(([k, v]) => `${k} ${v}`)
                        .join(", ")}
                </td>
                <td className="px-4 text-slate-600">{u.lastSeenAt ? u.lastSeenAt.toLocaleString("en-GB", { timeZone: "UTC" }) + " UTC" : "never"}</td>
              </tr>
            ))}
            {page.items.length === 0 && (
              <tr>
                <td colSpan={5} className="px-4 py-10 text-center text-slate-500">
                  {query.q ? `No user matches "${query.q}".` : "Nobody has signed in yet. People appear here after their first sign-in."}
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <div className="flex items-center justify-between text-sm text-slate-600">
        <span>
          {from}–{to} of {page.total}
        </span>
        <span className="flex gap-2">
          {query.offset > 0 && (
            <Link className="rounded-md border border-slate-300 bg-white px-3 py-1 hover:bg-slate-50" href={link(Math.max(0, query.offset - PAGE_SIZE))}>
              Previous
            </Link>
          )}
          {to < page.total && (
            <Link className="rounded-md border border-slate-300 bg-white px-3 py-1 hover:bg-slate-50" href={link(query.offset + PAGE_SIZE)}>
              Next
            </Link>
          )}
        </span>
      </div>
    </div>
  );
}
