import { describe, expect, it } from "vitest";
import { upsertServer } from "@/db/queries/servers";
import { insertToken } from "@/db/queries/tokens";
import { insertUser } from "@/db/queries/users";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { principal, trackingClient, type Json } from "../testing";
import { serverRowFixture, withOwnerId } from "@/db/server-fixture";

let seq = 0;

for (const kind of DB_KINDS) {
  describe(`runs created with a workspace's token are tagged with the workspace (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok } = trackingClient(db);

    /** A user with a running server whose MLflow token is `tok_<user>`. */
    async function workspaceOf(user: string): Promise<string> {
      const tokenId = `tok_${user}`;
      await insertUser(db(), { name: user, role: "user", roleSource: "default" });
      await insertToken(
        db(),
        await withOwnerId(db(), { id: tokenId, userName: user, hash: `hash-${user}`, kind: "workspace", note: null, expiresAt: null }),
      );
      await upsertServer(
        db(),
        await serverRowFixture(db(), user, "gpu-box", {
          message: null,
          url: "http://127.0.0.1:1",
          trackingTokenId: tokenId,
          imageId: "sha256:abc123",
          lastActivity: null,
        }),
      );
      return tokenId;
    }

    const tagsOf = async (body: Json) =>
      Object.fromEntries(((body.run as { data: { tags: { key: string; value: string }[] } }).data.tags ?? []).map((t) => [t.key, t.value]));

    it("adds atrium.server, atrium.environment, atrium.image_id and the owner as mlflow.user", async () => {
      const user = `ws-${kind}-${++seq}`;
      const tokenId = await workspaceOf(user);
      const body = await ok(
        call(
          "POST",
          "runs/create",
          { experiment_id: "0", tags: [{ key: "mlflow.user", value: "jovyan" }] },
          principal(user, false, { tokenId }),
        ),
      );
      expect(await tagsOf(body)).toMatchObject({
        "atrium.server": "gpu-box",
        "atrium.environment": "python",
        "atrium.image_id": "sha256:abc123",
        "mlflow.user": user,
      });
      expect((body.run as { info: Json }).info.user_id).toBe(user);
    });

    it("adds nothing for a personal token, a session, or someone else's workspace token", async () => {
      const user = `ws-${kind}-${++seq}`;
      const tokenId = await workspaceOf(user);
      for (const who of [
        principal(user, false, { tokenId: "tok_personal" }),
        principal(user, false, { via: "session" }),
        principal("intruder", false, { tokenId }),
      ]) {
        const tags = await tagsOf(
          await ok(call("POST", "runs/create", { experiment_id: "0", tags: [{ key: "mlflow.user", value: "me" }] }, who)),
        );
        expect(Object.keys(tags).filter((k) => k.startsWith("atrium."))).toEqual([]);
        expect(tags["mlflow.user"]).toBe("me");
      }
    });
  });
}
