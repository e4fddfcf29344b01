import { PageHeader } from "@/components/ui/page-header";
import { Button } from "@/components/ui/button";
import type { ReactNode } from "react";
import { CompareView } from "@/components/packages/compare-view";
import { Card } from "@/components/ui/card";
import { LabelledSelect } from "@/components/ui/field";
import { listEnvironments } from "@atrium/core/db/queries/environments";
import { ApiError } from "@atrium/core/lib/http/api-error";
import { comparePackages } from "@atrium/core/lib/packages/compare";
import { environmentPackages } from "@atrium/core/lib/packages/environment-packages";
import { getDb } from "@atrium/core/lib/runtime/db";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { requireUser } from "../../_lib/page-auth";

const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);

export default async function CompareEnvironmentsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requireUser();
  const db = await getDb();
  const envs = await listEnvironments(db);
  const sp = await searchParams;
  const left = one(sp.left) ?? envs[0]?.id;
  const right = one(sp.right) ?? envs[1]?.id ?? envs[0]?.id;
  type Scans = [Awaited<ReturnType<typeof environmentPackages>>, Awaited<ReturnType<typeof environmentPackages>>];
  let scans: Scans | null = null;
  let refusal: string | null = null;
  if (left && right && sp.left && sp.right) {
    try {
      scans = await Promise.all([environmentPackages(db, getSpawner(), left), environmentPackages(db, getSpawner(), right)]);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      refusal = err.message;
    }
  }
  let body: ReactNode = null;
  if (scans) {
    const [a, b] = scans;
    body = (
      <Card
        title={`${a.environment.name} compared with ${b.environment.name}`}
        description={`Python ${a.pythonVersion ?? "?"} and ${b.pythonVersion ?? "?"}; ${a.packages.length} and ${b.packages.length} packages.`}
      >
        <CompareView comparison={comparePackages(a.packages, b.packages)} left={a.environment.name} right={b.environment.name} />
      </Card>
    );
  } else if (refusal) {
    body = (
      <p role="alert" className="rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
        {refusal}
      </p>
    );
  }
  const options = envs.map((e) => (
    <option key={e.id} value={e.id}>
      {e.name}
    </option>
  ));
  return (
    <div className="space-y-6">
      <PageHeader crumbs={[{ href: "/environments", label: "Environments" }]} title="Compare environments">
        Which Python packages two environments ship, and where their versions differ.
      </PageHeader>
      {envs.length < 2 ? (
        <p className="rounded-lg border border-dashed border-slate-300 px-4 py-8 text-center text-slate-600">
          There is only one environment, so there is nothing to compare yet.
        </p>
      ) : (
        <form method="get" action="/environments/compare" className="flex flex-wrap items-end gap-3">
          <LabelledSelect label="Environment" name="left" defaultValue={left}>
            {options}
          </LabelledSelect>
          <LabelledSelect label="with" name="right" defaultValue={right}>
            {options}
          </LabelledSelect>
          <Button type="submit">Compare</Button>
        </form>
      )}
      {body}
    </div>
  );
}
