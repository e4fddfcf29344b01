import { z } from "zod";
import { personAt } from "@atrium/core/lib/auth/owner-named";
import { readQuery } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { listHomeFolder } from "@atrium/core/lib/jobs/home-files";
import { getSpawner } from "@atrium/core/lib/runtime/spawner";
import { userParams } from "@atrium/core/lib/users/schemas";

const homeQuery = z.object({ dir: z.string().max(512).default(""), environment: z.string().min(1).max(128) });

/** One folder of her home volume, whether or not a server runs: folders, notebooks and scripts (the job form's picker). */
export const GET = withUser(
  "jobs",
  async (req, { db, params }) => {
    const { dir, environment } = readQuery(req, homeQuery);
    return Response.json(await listHomeFolder(db, getSpawner(), params.name, environment, dir));
  },
  userParams,
  { access: { action: "write", resource: personAt } },
);
