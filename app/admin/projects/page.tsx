import { ProjectAllowances } from "@/components/admin/project-allowances";
import { PageHeader } from "@/components/ui/page-header";
import { listProjectAllowances } from "@atrium/core/lib/projects/allowance-overview";
import { getDb } from "@atrium/core/lib/runtime/db";
import { requireAdmin } from "../../_lib/page-auth";

export default async function AdminProjectsPage() {
  const admin = await requireAdmin();
  const projects = await listProjectAllowances(await getDb(), admin);
  return (
    <div className="space-y-5">
      <PageHeader title="Project allowances">
        What each project&apos;s servers, running jobs and endpoints may hold in all, whoever started them, and how much its
        experiments&apos; artifacts may store, beside what they hold now. An empty field is no limit. A lower allowance stops nothing that
        runs; it refuses the next start or upload that would pass it. Each person&apos;s own limits still apply.
      </PageHeader>
      <ProjectAllowances projects={projects} />
    </div>
  );
}
