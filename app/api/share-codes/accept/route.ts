import { readJson } from "@atrium/core/lib/http/parse";
import { withUser } from "@atrium/core/lib/http/with-user";
import { acceptShareCode } from "@atrium/core/lib/sharing/codes";
import { acceptSchema } from "@atrium/core/lib/sharing/schemas";

/** The accept page's button (app/share/accept): the signed-in caller takes the link, once (docs/sharing.md). */
export const POST = withUser("servers", async (req, { db, principal }) => {
  const { code } = await readJson(req, acceptSchema);
  return Response.json(await acceptShareCode(db, principal, code), { status: 201 });
});
