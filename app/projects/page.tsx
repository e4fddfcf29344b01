import Link from "next/link";
import { NewProjectForm } from "@/components/projects/new-project-form";
import { RoleBadge } from "@/components/projects/role-badge";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { PageHeader } from "@/components/ui/page-header";
import { listProjectSummaries } from "@atrium/core/lib/projects/overview";
import { getDb } from "@atrium/core/lib/runtime/db";
import { requireUser } from "../_lib/page-auth";

export const dynamic = "force-dynamic";

const COUNTED = [
  ["members", "Members"],
  ["experiments", "Experiments"],
  ["registeredModels", "Models"],
  ["jobs", "Jobs"],
  ["endpoints", "Endpoints"],
] as const;

/** The caller's projects (an admin's: all) with her role and what lives in each, and a form to make one. */
export default async function ProjectsPage() {
  const principal = await requireUser();
  const projects = await listProjectSummaries(await getDb(), principal);
  return (
    <div className="space-y-6">
      <PageHeader title="Projects">
        A project is a team&apos;s shared space: its members work on its experiments, models, jobs and endpoints together, each with a role.
        What you make outside a project stays in your personal space.
      </PageHeader>
      {projects.length === 0 ? (
        <div
          className="space-y-2 rounded-xl border border-dashed border-slate-300 bg-white px-5 py-5 text-sm text-slate-600"
          data-testid="projects-empty"
        >
          <p className="font-medium text-slate-800">You are not in any project yet.</p>
          <p>
            Create one below and add your colleagues, by user name or by SSO group, as <strong>viewer</strong> (reads),{" "}
            <strong>user</strong> (also starts servers and jobs), <strong>editor</strong> (also creates and changes experiments, models,
            jobs and endpoints) or <strong>owner</strong> (also manages members). Then pick the project when you create an experiment, a
            job, an endpoint or a server, or set <code className="text-xs">MLFLOW_WORKSPACE</code> to its name in an MLflow client.
          </p>
          <p>If your team already has a project, ask one of its owners to add you.</p>
        </div>
      ) : (
        <DataTable
          testId="projects-table"
          panel
          columns={["Project", "Your role", ...COUNTED.map(([, label]) => ({ label, className: "text-right" }))]}
        >
          {projects.map((p) => (
            <tr key={p.name} data-testid={`project-${p.name}`} className="hover:bg-slate-50/60">
              <td className="px-4 py-3">
                <Link href={`/projects/${encodeURIComponent(p.name)}`} className="font-medium text-brand-700 hover:underline">
                  {p.name}
                </Link>
                {p.description && <p className="max-w-[14rem] truncate text-xs text-slate-500 sm:max-w-md">{p.description}</p>}
              </td>
              <td className="px-4 py-3">
                <RoleBadge role={p.role} />
              </td>
              {COUNTED.map(([key]) => (
                <td key={key} className="px-4 py-3 text-right tabular-nums text-slate-700">
                  {p.counts[key]}
                </td>
              ))}
            </tr>
          ))}
        </DataTable>
      )}
      <Card title="New project" description="You become its first owner; add members on its page.">
        <NewProjectForm />
      </Card>
    </div>
  );
}
