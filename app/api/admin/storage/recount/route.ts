import { getArtifactStore } from "@atrium/core/lib/artifacts/runtime";
import { withAdmin } from "@atrium/core/lib/http/with-user";
import { recountStorage } from "@atrium/core/lib/artifacts/recount";

/** Sets everyone's artifact storage to what the store holds (README: Roles and where they come from). */
export const POST = withAdmin(async (_req, { db, principal }) => Response.json(await recountStorage(db, getArtifactStore(), principal)));
