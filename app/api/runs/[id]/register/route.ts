import { getArtifactStore } from "@atrium/core/lib/artifacts/runtime";
import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { registerModelFromRun } from "@atrium/core/lib/tracking/registry/register-from-run";
import { registerFromRunSchema, registerLabels, runParams } from "@atrium/core/lib/tracking/overview/schemas";

/** Registers the run's model folder as a new version; refused when no MLmodel file is there (lib/tracking/registry/register-from-run.ts). */
export const POST = withUser(
  "mlflow",
  async (req, { db, principal, params }) => {
    const ask = await readJson(req, registerFromRunSchema, registerLabels);
    const version = await registerModelFromRun(db, getArtifactStore(), principal, { runId: params.id, ...ask });
    return Response.json({ model_version: version }, { status: 201 });
  },
  runParams,
);
