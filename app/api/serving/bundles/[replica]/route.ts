import { getArtifactStore } from "@atrium/core/lib/artifacts/runtime";
import { getConfig } from "@atrium/core/lib/config";
import { respond } from "@atrium/core/lib/http/with-user";
import { getDb } from "@atrium/core/lib/runtime/db";
import { replicaBundle } from "@atrium/core/lib/serving/bundle-token";

export const dynamic = "force-dynamic";

/** A serving replica's bundle, for that replica's own bundle token only (docs/serving.md, "Replicas"). */
export async function GET(req: Request, ctx: { params: Promise<{ replica: string }> }): Promise<Response> {
  return respond(async () =>
    replicaBundle(await getDb(), getArtifactStore(), (await ctx.params).replica, req.headers, getConfig().servingBundleMaxBytes),
  );
}
