import { notFound } from "next/navigation";
import { z } from "zod";
import { EndpointDetail } from "@/components/serving/endpoint-detail";
import { ApiError } from "@atrium/core/lib/http/api-error";
import { getConfig } from "@atrium/core/lib/config";
import { getArtifactStore } from "@atrium/core/lib/artifacts/runtime";
import { getDb } from "@atrium/core/lib/runtime/db";
import { endpointPage } from "@atrium/core/lib/serving/overview";
import { servedExample } from "@atrium/core/lib/serving/served-example";
import { ENDPOINT_NAME } from "@atrium/core/lib/serving/schemas";
import { MoveToProject } from "@/components/projects/move-to-project";
import { moveChoice } from "@atrium/core/lib/projects/move";
import { requireUser } from "../../_lib/page-auth";

export const dynamic = "force-dynamic";

const paramsSchema = z.object({ name: z.string().regex(ENDPOINT_NAME) });

export default async function EndpointPage({ params }: { params: Promise<{ name: string }> }) {
  const principal = await requireUser();
  const parsed = paramsSchema.safeParse(await params);
  if (!parsed.success) notFound();
  const db = await getDb();
  const initial = await endpointPage(db, principal, parsed.data.name).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404) notFound();
    throw err;
  });
  const move = await moveChoice(db, principal, "endpoint", parsed.data.name);
  const example = await servedExample(db, getArtifactStore(), principal, parsed.data.name);
  return (
    <div className="space-y-4">
      <EndpointDetail name={parsed.data.name} initial={initial} portalUrl={getConfig().publicUrl} example={example} />
      {move && <MoveToProject kind="endpoint" id={parsed.data.name} project={move.project} />}
    </div>
  );
}
