import Link from "next/link";
import { notFound } from "next/navigation";
import { AllowanceMeters } from "@/components/projects/allowance-meters";
import { ContentsList } from "@/components/projects/contents-list";
import { MembersPanel } from "@/components/projects/members-panel";
import { ProjectSettings } from "@/components/projects/project-settings";
import { RoleBadge } from "@/components/projects/role-badge";
import { buttonClass } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { PageHeader } from "@/components/ui/page-header";
import { RelativeTime } from "@/components/ui/relative-time";
import { ApiError } from "@atrium/core/lib/http/api-error";
import { projectPage } from "@atrium/core/lib/projects/overview";
import { getDb } from "@atrium/core/lib/runtime/db";
import { requireUser } from "../../_lib/page-auth";

export const dynamic = "force-dynamic";

const inline = "text-brand-700 hover:underline";

/** A project: who is in it with which role, what lives in it, and (for owners) its settings. */
export default async function ProjectPage({ params }: { params: Promise<{ name: string }> }) {
  const principal = await requireUser();
  const { name } = await params;
  let project;
  try {
    project = await projectPage(await getDb(), principal, name);
  } catch (err) {
    // A project she may not read does not exist for her (docs/projects.md).
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  }
  const { counts, contents } = project;
  const usage = [
    ["Members", counts.members],
    ["Experiments", counts.experiments],
    ["Runs", counts.runs],
    ["Registered models", counts.registeredModels],
    ["Model versions", counts.modelVersions],
    ["Jobs", counts.jobs],
    ["Endpoints", counts.endpoints],
  ] as const;
  const q = encodeURIComponent(project.name);
  return (
    <div className="space-y-6">
      <PageHeader
        crumbs={[{ href: "/projects", label: "Projects" }]}
        title={
          <>
            <span data-testid="project-title">{project.name}</span>
            <RoleBadge role={project.role} />
          </>
        }
        actions={
          project.canCreate ? (
            <Link
              href={`/experiments?project=${q}`}
              className={buttonClass("secondary", "md", "w-full sm:w-auto")}
              data-testid="new-experiment-here"
            >
              New experiment here
            </Link>
          ) : undefined
        }
      >
        {project.description || <span className="text-slate-400">No description.</span>}
        <p className="mt-1 text-sm text-slate-500">
          MLflow clients log into it with <code className="text-xs">mlflow.set_workspace(&quot;{project.name}&quot;)</code> or{" "}
          <code className="text-xs">MLFLOW_WORKSPACE={project.name}</code>.{" "}
          {project.canCreate
            ? "As its " + (project.role ?? "admin") + " you may create and change what is in it."
            : `As a ${project.role ?? "member"} you ${project.role === "user" ? "read it, start servers and jobs in it and call its endpoints" : "read it"}; editors and owners change it.`}
        </p>
      </PageHeader>

      <Card title="Usage" description="What lives in the project now.">
        <dl className="grid grid-cols-2 gap-4 sm:grid-cols-4 lg:grid-cols-7" data-testid="project-usage">
          {usage.map(([label, n]) => (
            <div key={label}>
              <dt className="text-xs text-slate-500">{label}</dt>
              <dd className="text-xl font-semibold tabular-nums text-slate-900">{n}</dd>
            </div>
          ))}
        </dl>
        <AllowanceMeters allowance={project.allowance} inUse={project.inUse} />
      </Card>

      <Card
        title="Members"
        description="People and SSO groups, each with a role. A person in several of its groups holds the strongest of their roles."
      >
        <MembersPanel project={project.name} members={project.members} canManage={project.canManage} />
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <ContentsList
          title="Experiments"
          testId="project-experiments"
          items={contents.experiments}
          total={counts.experiments}
          empty={
            <>
              None yet.{" "}
              {project.canCreate && (
                <Link href={`/experiments?project=${q}`} className={inline}>
                  Create one in this project
                </Link>
              )}
            </>
          }
          item={(e) => ({
            key: String(e.id),
            href: `/experiments/${e.id}`,
            name: e.name,
            by: e.owner,
            detail: <RelativeTime at={e.lastUpdateTime} />,
          })}
        />
        <ContentsList
          title="Registered models"
          testId="project-models"
          items={contents.registeredModels}
          total={counts.registeredModels}
          empty={project.canCreate ? "None yet. A model registered from an MLflow client working in this project lands here." : "None yet."}
          item={(m) => ({
            key: m.name,
            href: `/models/${encodeURIComponent(m.name)}`,
            name: m.name,
            by: m.owner,
            detail: <RelativeTime at={m.lastUpdatedTime} />,
          })}
        />
        <ContentsList
          title="Jobs"
          testId="project-jobs"
          items={contents.jobs}
          total={counts.jobs}
          empty={
            project.canCreate ? (
              <>
                None yet. Pick this project in the{" "}
                <Link href="/jobs" className={inline}>
                  job form
                </Link>
                .
              </>
            ) : (
              "None yet."
            )
          }
          item={(j) => ({ key: j.id, href: `/jobs/${j.id}`, name: j.name, by: j.owner, detail: j.paused ? "paused" : undefined })}
        />
        <ContentsList
          title="Endpoints"
          testId="project-endpoints"
          items={contents.endpoints}
          total={counts.endpoints}
          empty={project.canCreate ? "None yet. Deploy a model version from its page and pick this project." : "None yet."}
          item={(e) => ({
            key: e.name,
            href: `/serving/${encodeURIComponent(e.name)}`,
            name: e.name,
            by: e.owner,
            detail: e.ready === "READY" ? "ready" : "not ready",
          })}
        />
      </div>

      <ContentsList
        title="Servers"
        testId="project-servers"
        items={contents.servers}
        total={project.inUse.servers}
        empty="None running in this project."
        item={(sv) => ({
          key: `${sv.owner}/${sv.name}`,
          href: `/servers/${encodeURIComponent(sv.owner)}/${encodeURIComponent(sv.name)}`,
          name: `${sv.owner}/${sv.name}`,
          by: sv.owner,
          detail: sv.status,
        })}
      />
      <Card title="Starting a server here">
        <p className="text-sm text-slate-600">
          {project.canStart && (
            <>
              Start a server in this project from{" "}
              <Link href="/" className={inline}>
                Workspaces
              </Link>{" "}
              (pick the project in the start form): its notebooks then log into the project without any code.{" "}
            </>
          )}
          A server stays its owner&apos;s; she shares it with the team from its page.
        </p>
      </Card>

      {project.canManage && (
        <Card title="Settings" description="Only owners see this.">
          <ProjectSettings project={project.name} description={project.description} />
        </Card>
      )}
    </div>
  );
}
