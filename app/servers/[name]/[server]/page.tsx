import { buttonClass } from "@/components/ui/button";
import Link from "next/link";
import { forbidden, notFound } from "next/navigation";
import { EngineBanner } from "@/components/workspaces/engine-banner";
import { PortalReachNotice } from "@/components/workspaces/portal-reach-notice";
import { workspacesCannotReach } from "@atrium/core/lib/http/workspace-listener";
import { ServerStartPanel } from "@/components/workspaces/server-start-panel";
import { restartSize } from "@/components/workspaces/allowed-size";
import { ShareDialog } from "@/components/workspaces/share-dialog";
import { can, isOwner } from "@atrium/core/lib/auth/access";
import { getConfig } from "@atrium/core/lib/config";
import { missingImageAdvice } from "@atrium/core/lib/environments/image-hint";
import { listEnvironmentsWithAvailability } from "@atrium/core/lib/environments/manage";
import { ApiError } from "@atrium/core/lib/http/api-error";
import { getDb } from "@atrium/core/lib/runtime/db";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { allowanceOf, describeMe } from "@atrium/core/lib/users/me";
import { getServer, serverResourceAt } from "@atrium/core/lib/workspaces/query";
import { serverParams } from "@atrium/core/lib/workspaces/schemas";
import { requireUser } from "../../../_lib/page-auth";

/** Where the workspace proxy sends a browser asking for a server that is not running. */
export default async function ServerPage({ params }: { params: Promise<{ name: string; server: string }> }) {
  const principal = await requireUser();
  const parsed = serverParams.safeParse(await params);
  if (!parsed.success) notFound();
  const { name, server } = parsed.data;
  const db = await getDb();
  const resource = await serverResourceAt(db, name, server);
  if (!can(principal, "use", resource)) forbidden();
  const found = await getServer(db, name, server).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  });
  const own = isOwner(principal, resource.owner);
  const back = (
    <Link href="/" className="text-sm text-brand-600 hover:underline">
      ← Back to My workspaces
    </Link>
  );

  if (!found) {
    return (
      <div className="mx-auto mt-10 max-w-xl space-y-4">
        {back}
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="text-xl font-semibold text-slate-900">
            There is no server {name}/{server}.
          </h1>
          <p className="mt-2 text-slate-600">
            {own
              ? "Nothing was ever started under this name, or it was removed."
              : `${name} has never started a workspace named “${server}”.`}
          </p>
          {own && (
            <Link href={`/?server=${encodeURIComponent(server)}#start`} className={buttonClass("primary", "md", "mt-5")}>
              Start a workspace named “{server}”
            </Link>
          )}
        </div>
      </div>
    );
  }

  // Someone it is shared with (lib/sharing/): where to open it, nothing of its settings or controls.
  if (!can(principal, "read", resource)) {
    return (
      <div className="mx-auto mt-10 max-w-xl space-y-4">
        {back}
        <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
          <p className="text-sm text-slate-500">Shared with you by {name}</p>
          <h1 className="mt-0.5 font-mono text-xl font-semibold text-slate-900">
            {name}/{server}
          </h1>
          {found.status === "running" ? (
            <a href={found.url} className={buttonClass("primary", "md", "mt-5")}>
              Open workspace
            </a>
          ) : (
            <p className="mt-2 text-slate-600">It is not running; {name} can start it.</p>
          )}
        </div>
      </div>
    );
  }

  const envs = await listEnvironmentsWithAvailability(db, getSpawner(), principal);
  const env = envs.find((e) => e.id === found.environment);
  // What the owner's limits allow now, whoever restarts it: an admin's start is counted against the owner's quota.
  const allowance = own ? await describeMe(db, principal) : await allowanceOf(db, name);
  const size = allowance ? restartSize(allowance, env, found) : { cpu: found.cpu, memGb: found.memGb, reduced: false };
  return (
    <div className="mx-auto mt-10 max-w-xl space-y-4">
      {back}
      <EngineBanner />
      <PortalReachNotice reason={workspacesCannotReach()} />
      <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <div className="flex flex-wrap items-start justify-between gap-2">
          <div className="min-w-0">
            <p className="text-sm text-slate-500">{own ? "Your workspace" : `Workspace of ${name}`}</p>
            <h1 className="mt-0.5 font-mono text-xl font-semibold text-slate-900">
              {name}/{server}
            </h1>
          </div>
          {can(principal, "write", resource) && (
            <ShareDialog user={name} server={server} workspaceHost={getConfig().workspaceHost !== undefined} />
          )}
        </div>
        <div className="mt-4">
          <ServerStartPanel
            initial={found}
            envName={env?.name ?? found.environment}
            imageMissing={env && !env.available ? missingImageAdvice(env.image) : null}
            size={size}
          />
        </div>
      </div>
    </div>
  );
}
