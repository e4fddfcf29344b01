import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { addStorage, storedBytes } from "@/db/queries/storage-usage";
import { auditEvents } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { putFile } from "@/lib/artifacts/store";
import { principal, testUserId, trackingClient } from "@/lib/tracking/testing";
import { recountStorage } from "./recount";

const root = mkdtempSync(path.join(os.tmpdir(), "atrium-recount-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function* bytes(n: number): AsyncIterable<Uint8Array> {
  yield new Uint8Array(n);
}

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    const mlflow = trackingClient(db);

    it("sets each owner's usage to what their runs hold in the store, and zeroes everyone else", async () => {
      const store = new LocalArtifactStore(path.join(root, kind));
      const runOf = async (owner: string) => {
        const who = principal(owner);
        const exp = await mlflow.ok(mlflow.call("POST", "experiments/create", { name: `rc-${owner}-${Math.random()}` }, who));
        const run = await mlflow.ok(mlflow.call("POST", "runs/create", { experiment_id: exp.experiment_id }, who));
        return (run.run as { info: { artifact_uri: string } }).info.artifact_uri.slice("mlflow-artifacts:/".length);
      };
      const [a1, a2, b] = [await runOf("rc-a"), await runOf("rc-a"), await runOf("rc-b")];
      await putFile(store, `${a1}/model/weights.bin`, bytes(1000));
      await putFile(store, `${a1}/notes.txt`, bytes(24));
      await putFile(store, `${a2}/x.bin`, bytes(500));
      await putFile(store, `${b}/y.bin`, bytes(70));
      // A run the database no longer has.
      await putFile(store, `1/${"f".repeat(32)}/artifacts/gone.bin`, bytes(9));
      // A run of the bootstrap token's: nobody's, measured but counted for nobody.
      const bootstrap = { ...principal("bootstrap", true), userId: undefined };
      const exp = await mlflow.ok(mlflow.call("POST", "experiments/create", { name: `rc-bootstrap-${Math.random()}` }, bootstrap));
      const ownerless = await mlflow.ok(mlflow.call("POST", "runs/create", { experiment_id: exp.experiment_id }, bootstrap));
      await putFile(
        store,
        `${(ownerless.run as { info: { artifact_uri: string } }).info.artifact_uri.slice("mlflow-artifacts:/".length)}/z.bin`,
        bytes(11),
      );
      await addStorage(db(), testUserId("rc-a"), 999_999);
      await addStorage(db(), testUserId("rc-old"), 5);

      expect(await recountStorage(db(), store, principal("rc-admin", true))).toEqual({ owners: 2, bytes: 1594, orphanBytes: 20 });
      expect([
        await storedBytes(db(), testUserId("rc-a")),
        await storedBytes(db(), testUserId("rc-b")),
        await storedBytes(db(), testUserId("rc-old")),
      ]).toEqual([1524, 70, 0]);
      const audit = await db().select().from(auditEvents);
      expect(audit.map((e) => [e.actor, e.action, e.detail])).toContainEqual([
        "rc-admin",
        "storage.recount",
        { owners: 2, bytes: 1594, orphanBytes: 20 },
      ]);
    });
  });
}
