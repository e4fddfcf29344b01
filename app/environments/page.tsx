import { PageHeader } from "@/components/ui/page-header";
import Link from "next/link";
import { AddEnvironmentForm, EnvironmentActions } from "@/components/environments/environment-admin";
import { EnvironmentCard } from "@/components/environments/environment-card";
import { EnvironmentPackages } from "@/components/packages/environment-packages";
import { Card } from "@/components/ui/card";
import { listEnvironmentsWithAvailability } from "@atrium/core/lib/environments/manage";
import { checkHealth } from "@atrium/core/lib/health/check";
import { getDb } from "@atrium/core/lib/runtime/db";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { requireUser } from "../_lib/page-auth";

export default async function EnvironmentsPage() {
  const principal = await requireUser();
  const db = await getDb();
  const [envs, health] = await Promise.all([listEnvironmentsWithAvailability(db, getSpawner(), principal), checkHealth()]);
  const engineDown = health.engine === "down";
  return (
    <div className="space-y-6">
      <PageHeader title="Environments">
        The software a workspace starts with: a container image with Python, Jupyter and libraries. Pick one when you start a workspace on{" "}
        <Link href="/" className="text-brand-600 hover:underline">
          My workspaces
        </Link>
        .
      </PageHeader>
      {engineDown && (
        <p role="status" className="rounded-xl border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900">
          The container engine cannot be reached right now, so whether each image is on this host is unknown.
        </p>
      )}
      {envs.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 px-4 py-8 text-center text-slate-600">
          There are no environments yet.{principal.admin ? " Add one below." : " Ask an admin to add one."}
        </p>
      ) : (
        <div className="grid items-start gap-4 md:grid-cols-2" data-testid="environments">
          {envs.map((env) => (
            <EnvironmentCard key={env.id} env={env} engineDown={engineDown}>
              {env.available && !engineDown && <EnvironmentPackages environmentId={env.id} />}
              {principal.admin && <EnvironmentActions env={env} />}
            </EnvironmentCard>
          ))}
        </div>
      )}
      {envs.length > 1 && (
        <p className="text-sm text-slate-600">
          <Link
            href={`/environments/compare?left=${envs[0]?.id ?? ""}&right=${envs[1]?.id ?? ""}`}
            className="font-medium text-brand-600 hover:underline"
            data-testid="compare-link"
          >
            Compare the packages of two environments →
          </Link>
        </p>
      )}
      {principal.admin && (
        <Card
          title="Add an environment"
          description="Admins only. The image must already be on this host (docker pull or docker load), or people see “image missing”."
        >
          <AddEnvironmentForm />
        </Card>
      )}
    </div>
  );
}
