/** Whether an environment has the mlflow client, read from its image scan (real engine, both databases). */
import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { insertEnvironment } from "@/db/queries/environments";
import { DockerSpawner } from "@/lib/spawner";
import { engineReadiness, TEST_IMAGE } from "@/lib/spawner/testing";
import { environmentPackages } from "./environment-packages";
import { fakePackageImage } from "./fake-package-image";
import { mlflowClientIn } from "./mlflow-client";

const CI = Boolean(process.env.CI);
const notReady = await engineReadiness();
if (notReady && !CI) console.warn(`[packages/mlflow-client.test] skipped: ${notReady}`);

describe("finding mlflow in a package list", () => {
  it("matches the PEP 503 name and reports the version", () => {
    expect(mlflowClientIn([{ name: "MLflow", version: "2.9.0" }])).toEqual({ installed: true, version: "2.9.0" });
    expect(mlflowClientIn([{ name: "mlflow-skinny", version: "3.0.0" }])).toEqual({ installed: false });
    expect(mlflowClientIn([])).toEqual({ installed: false });
  });
});

for (const kind of DB_KINDS)
  describe.skipIf(notReady !== undefined && !CI)(`${kind}: mlflow in an environment's image (real engine)`, () => {
    const db = useTestDatabase(kind);
    const spawner = new DockerSpawner();
    const environment = (id: string, image: string) =>
      insertEnvironment(db(), {
        id,
        name: id,
        description: "",
        image,
        command: null,
        defaultCpu: 0.5,
        defaultMemGb: 0.5,
        maxCpu: null,
        maxMemGb: null,
        rolesAllowed: [],
        deprecated: false,
      });

    it("is missing from both default images and found in an image that ships its dist-info", async () => {
      if (notReady) throw new Error(`cannot run in CI: ${notReady}`);
      const fake = await fakePackageImage(TEST_IMAGE, `atrium-test-mlflow-${kind}:${process.pid}`, { name: "mlflow", version: "3.1.0" });
      try {
        await environment("classic", TEST_IMAGE);
        await environment("with-mlflow", fake.image);
        expect(mlflowClientIn((await environmentPackages(db(), spawner, "python")).packages)).toEqual({ installed: false });
        expect(mlflowClientIn((await environmentPackages(db(), spawner, "classic")).packages)).toEqual({ installed: false });
        expect(mlflowClientIn((await environmentPackages(db(), spawner, "with-mlflow")).packages)).toEqual({
          installed: true,
          version: "3.1.0",
        });
      } finally {
        await fake.remove();
      }
    }, 120_000);
  });
