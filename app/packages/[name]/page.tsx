import { CopyableCode } from "@/components/ui/code-block";
import { PageHeader } from "@/components/ui/page-header";
import Link from "next/link";
import { notFound } from "next/navigation";
import { InstallPanel } from "@/components/packages/install-panel";
import { IndexUnset } from "@/components/packages/index-unset";
import { VersionTable } from "@/components/packages/version-table";
import { Card } from "@/components/ui/card";
import { bytes } from "@/components/workspaces/format";
import { getConfig } from "@atrium/core/lib/config";
import { ApiError } from "@atrium/core/lib/http/api-error";
import { catalogFor, type PackageDetail } from "@atrium/core/lib/packages/catalog";
import { installTargets } from "@atrium/core/lib/packages/install-targets";
import { packageNameSchema } from "@atrium/core/lib/packages/schemas";
import { unfitVersions } from "@atrium/core/lib/packages/workspace-python";
import { getDb } from "@atrium/core/lib/runtime/db";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { requireUser } from "../../_lib/page-auth";

export default async function PackagePage({ params }: { params: Promise<{ name: string }> }) {
  const principal = await requireUser();
  const name = packageNameSchema.safeParse(decodeURIComponent((await params).name));
  if (!name.success) notFound();
  const indexUrl = getConfig().pypiIndexUrl;
  if (!indexUrl) return <IndexUnset admin={principal.admin} />;

  let pkg: PackageDetail | undefined;
  let error: string | undefined;
  try {
    pkg = await catalogFor(indexUrl).get(name.data);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) notFound();
    if (!(err instanceof ApiError)) throw err;
    error = err.message;
  }
  const targets = pkg ? await installTargets(await getDb(), getSpawner(), principal) : [];

  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/packages" className="text-brand-600 hover:underline">
          ← Packages
        </Link>
      </p>
      {error || !pkg ? (
        <p role="alert" className="rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          {error}
        </p>
      ) : (
        <>
          <PageHeader
            titleTestId="package-name"
            title={
              <>
                {pkg.name} {pkg.latest && <span className="font-mono text-lg font-normal text-slate-500">{pkg.latest}</span>}
              </>
            }
          >
            <p data-testid="package-summary">
              {pkg.summary ?? <span className="text-slate-400">The index gives no summary for this package.</span>}
            </p>
            <p className="mt-1 text-xs text-slate-400">
              {pkg.versions.length} version{pkg.versions.length === 1 ? "" : "s"} · {pkg.files.length} file
              {pkg.files.length === 1 ? "" : "s"} · from {pkg.index}
            </p>
          </PageHeader>
          <Card
            title="Install into a workspace"
            description="pip runs inside the workspace you pick, using the company index. You see its output as it works."
          >
            <InstallPanel
              user={principal.name}
              packageName={pkg.name}
              versions={pkg.versions.filter((v) => !v.yanked).map((v) => v.version)}
              latest={pkg.latest}
              targets={targets}
              unfit={Object.fromEntries(targets.map((t) => [t.server, t.python ? unfitVersions(pkg, t.python) : {}]))}
            />
            <p className="mt-4 text-sm text-slate-600">
              Or from a notebook cell: <CopyableCode text={`%pip install ${pkg.name}`} testId="copy-pip-command" />
            </p>
          </Card>
          <Card title="Versions" description="Newest first. pip skips yanked versions and pre-releases unless you pin one.">
            <VersionTable versions={pkg.versions} latest={pkg.latest} files={pkg.files} />
          </Card>
          <Card title="Files" description="Wheels install without building; an sdist is built from source in the workspace.">
            <details>
              <summary className="cursor-pointer text-sm text-brand-700">Show all {pkg.files.length} files</summary>
              <ul className="mt-3 space-y-1 font-mono text-xs" data-testid="files">
                {pkg.files.map((f) => (
                  <li key={f.filename} className={f.yanked ? "text-slate-400 line-through" : "text-slate-700"}>
                    {f.filename}
                    {f.size !== undefined && <span className="ml-2 text-slate-400">{bytes(f.size)}</span>}
                  </li>
                ))}
              </ul>
            </details>
          </Card>
        </>
      )}
    </div>
  );
}
