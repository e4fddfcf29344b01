import { RolesEditor } from "@/components/admin/roles-editor";
import { getRolesWithPeople } from "@atrium/core/lib/admin/roles-overview";
import { getDb } from "@atrium/core/lib/runtime/db";
import { requireAdmin } from "../../_lib/page-auth";

export default async function RolesPage() {
  await requireAdmin();
  const roles = await getRolesWithPeople(await getDb());
  return (
    <div className="space-y-5">
      <div>
        <h1 className="text-2xl font-semibold text-slate-900">Roles &amp; limits</h1>
        <p className="mt-1 max-w-3xl text-slate-600">
          What each role may start: CPU and memory per server, how many servers at once, and CPU and memory summed over a person&apos;s
          running servers. A change applies from the next start; running servers keep what they were given. Limits for one person are set on
          their page under Users.
        </p>
      </div>
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <RolesEditor roles={roles} />
      </div>
    </div>
  );
}
