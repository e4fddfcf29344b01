import { readJson } from "@atrium/core/lib/http/parse";
import { withAdmin } from "@atrium/core/lib/http/with-user";
import { putRole } from "@atrium/core/lib/roles/manage";
import { roleLimitsLabels, roleLimitsSchema, roleParams } from "@atrium/core/lib/users/schemas";

export const PUT = withAdmin(async (req, { db, principal, params }) => {
  const limits = await readJson(req, roleLimitsSchema, roleLimitsLabels);
  const { role, created } = await putRole(db, principal, params.role, limits);
  return Response.json(role, { status: created ? 201 : 200 });
}, roleParams);
