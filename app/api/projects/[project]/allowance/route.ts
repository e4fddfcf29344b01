import { readJson } from "@atrium/core/lib/http/parse";
import { withAdmin } from "@atrium/core/lib/http/with-user";
import { setProjectAllowance } from "@atrium/core/lib/projects/manage";
import { allowanceSchema, projectParams } from "@atrium/core/lib/projects/schemas";

// A project's allowance (docs/projects.md, "Allowances"): admins set it; members read it with GET /api/projects/<p>.
export const PUT = withAdmin(async (req, { db, principal, params }) => {
  const ask = await readJson(req, allowanceSchema, { cpu: "CPU", memGb: "Memory", endpoints: "Endpoints", storageGb: "Storage" });
  return Response.json(await setProjectAllowance(db, principal, params.project, ask));
}, projectParams);
