/**
 * Which image a served entity runs in, when its training run's tags say: run tags are written by any MLflow
 * client, so a recorded image or environment is used only when the endpoint owner's role may use it
 * (lib/serving/image.ts). Real databases; the engine's image lookup is a table here (lifecycle logic only).
 */
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { insertExperiment, insertRun } from "@/db/queries/tracking";
import { modelVersions, type ServedEntityRecord } from "@/db/schema";
import { ENVIRONMENT_TAG, IMAGE_ID_TAG } from "@/lib/tracking/runs/atrium-tags";
import { servedImage } from "./image";
import { seedServing } from "./testing";

const LAB_ID = "sha256:" + "a".repeat(64);
const OTHER_ID = "sha256:" + "e".repeat(64);
/** The engine's answer for the seeded environments' image name. */
const engine = {
  imageInfo: async (image: string) => (image === "atrium-jupyterlab:1" ? { present: true, id: LAB_ID } : { present: false }),
};

const entity = (extra: Partial<ServedEntityRecord> = {}): ServedEntityRecord =>
  ({ name: "churn-1", entityName: "churn", entityVersion: 1, environmentId: null, ...extra }) as ServedEntityRecord;

for (const kind of DB_KINDS)
  describe(`${kind}: the image a run's tags ask for`, () => {
    const db = useTestDatabase(kind);

    async function trainedWith(tags: { key: string; value: string }[]) {
      const people = await seedServing(db());
      const exp = await insertExperiment(db(), {
        name: `img-${Math.random()}`,
        owner: "alice",
        ownerId: people.alice.userId ?? null,
        now: Date.now(),
        tags: [],
        defaultRoot: "mlflow-artifacts:/",
      });
      const runUuid = Math.random().toString(16).slice(2).padEnd(32, "0");
      await insertRun(
        db(),
        {
          runUuid,
          experimentId: exp!.id,
          name: "train",
          userId: "alice",
          ownerId: people.alice.userId ?? null,
          status: "FINISHED",
          startTime: Date.now(),
          endTime: Date.now(),
          artifactUri: `mlflow-artifacts:/1/${runUuid}/artifacts`,
        },
        tags,
      );
      await db()
        .update(modelVersions)
        .set({ runId: runUuid })
        .where(and(eq(modelVersions.name, "churn"), eq(modelVersions.version, 1)));
    }

    it("serves in the recorded image when it is an environment's the owner may use", async () => {
      await trainedWith([{ key: IMAGE_ID_TAG, value: LAB_ID }]);
      expect(await servedImage(db(), engine, entity(), "user")).toEqual({ image: LAB_ID, environmentId: null });
    });

    it("refuses an image id a client wrote into the tag that no usable environment has", async () => {
      await trainedWith([{ key: IMAGE_ID_TAG, value: OTHER_ID }]);
      await expect(servedImage(db(), engine, entity(), "user")).rejects.toThrow(
        `The training run of version 1 of "churn" recorded an image (tag atrium.image_id) that no environment role 'user' may use runs here; give served entity "churn-1" an environment to serve it in.`,
      );
    });

    it("refuses an environment tag the owner's role is not given, and the same environment named on the entity", async () => {
      await trainedWith([{ key: ENVIRONMENT_TAG, value: "power-only" }]);
      await expect(servedImage(db(), engine, entity(), "user")).rejects.toThrow("recorded no image");
      await expect(servedImage(db(), engine, entity({ environmentId: "power-only" }), "user")).rejects.toThrow(
        `The environment "power-only" is not available to role 'user'. Choose another environment for served entity "churn-1".`,
      );
      expect(await servedImage(db(), engine, entity(), "power")).toMatchObject({
        image: "atrium-jupyterlab:1",
        environmentId: "power-only",
      });
    });

    it("falls back from an unknown image to the recorded environment when the owner may use it", async () => {
      await trainedWith([
        { key: IMAGE_ID_TAG, value: OTHER_ID },
        { key: ENVIRONMENT_TAG, value: "tiny" },
      ]);
      expect(await servedImage(db(), engine, entity(), "user")).toMatchObject({ image: "atrium-jupyterlab:1", environmentId: "tiny" });
    });
  });
