import { PageHeader } from "@/components/ui/page-header";
import { RolesEditor } from "@/components/admin/roles-editor";
import { getRolesWithPeople } from "@atrium/core/lib/admin/roles-overview";
import { getDb } from "@atrium/core/lib/runtime/db";
import { requireAdmin } from "../../_lib/page-auth";

export default async function RolesPage() {
  await requireAdmin();
  const roles = await getRolesWithPeople(await getDb());
  return (
    <div className="space-y-5">
      <PageHeader title="Roles & limits">
        What each role may start: CPU and memory per server, how many servers at once, and CPU and memory summed over a person's running
        servers. A change applies from the next start; running servers keep what they were given. Limits for one person are set on their
        page under Users.
      </PageHeader>
      <div className="overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm">
        <RolesEditor roles={roles} />
      </div>
    </div>
  );
}
