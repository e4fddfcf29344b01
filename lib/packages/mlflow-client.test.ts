/** Whether an environment has the mlflow client, read from its image scan (real engine, both databases). */
import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { insertEnvironment } from "@/db/queries/environments";
import { DockerSpawner } from "@/lib/spawner";
import { engineReadiness, TEST_IMAGE } from "@/lib/spawner/testing";
import { environmentPackages } from "./environment-packages";
import { fakePackageImage } from "./fake-package-image";
import { readFileSync } from "node:fs";
import path from "node:path";
import { scanImage } from "./image-scan";
import { derivedImage } from "./fake-package-image";
import { mlflowClientIn } from "./mlflow-client";
import { startTestIndex } from "./test-index";

const CI = Boolean(process.env.CI);
const notReady = await engineReadiness();
if (notReady && !CI) console.warn(`[packages/mlflow-client.test] skipped: ${notReady}`);

describe("finding mlflow in a package list", () => {
  it("matches the PEP 503 name and reports the version", () => {
    expect(mlflowClientIn([{ name: "MLflow", version: "2.9.0" }])).toEqual({ installed: true, version: "2.9.0" });
    // The skinny distribution is the same `mlflow` client without the server: what build.sh installs.
    expect(mlflowClientIn([{ name: "mlflow_skinny", version: "3.0.0" }])).toEqual({ installed: true, version: "3.0.0" });
    expect(mlflowClientIn([{ name: "mlflow-tracing", version: "3.0.0" }])).toEqual({ installed: false });
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

describe.skipIf(notReady !== undefined && !CI)(
  "install-mlflow.sh, what build.sh runs with PYPI_INDEX_URL (real engine, a real index)",
  () => {
    const script = readFileSync(path.join(process.cwd(), "scripts/workspace-image/install-mlflow.sh"), "utf8");
    const run = (index: string) => `cat > /tmp/install-mlflow.sh <<'ATRIUM_EOF'\n${script}\nATRIUM_EOF\nsh /tmp/install-mlflow.sh ${index}`;

    it("installs mlflow-skinny from the index it is given, and the image scan then finds the client", async () => {
      if (notReady) throw new Error(`cannot run in CI: ${notReady}`);
      const index = await startTestIndex({ format: "html", dists: [{ name: "mlflow-skinny", version: "3.1.4" }] });
      const image = await derivedImage(TEST_IMAGE, `atrium-test-mlflow-skinny:${process.pid}`, run(index.url), { hostNetwork: true });
      try {
        expect(index.requests.some((r) => r.path.includes("mlflow-skinny"))).toBe(true);
        const scan = await scanImage(new DockerSpawner(), image.image);
        expect(mlflowClientIn(scan.packages)).toEqual({ installed: true, version: "3.1.4" });
      } finally {
        await image.remove();
        await index.stop();
      }
    }, 180_000);

    it("without an index it changes nothing and says what to set", async () => {
      if (notReady) throw new Error(`cannot run in CI: ${notReady}`);
      await expect(derivedImage(TEST_IMAGE, `atrium-test-mlflow-none:${process.pid}`, run(""), { hostNetwork: true })).rejects.toThrow(
        /exit code 2/,
      );
    }, 120_000);
  },
);
