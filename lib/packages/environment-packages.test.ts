/** Packages per environment: read once per image id in a one-off container, then from the database, on both backends. */
import Dockerode from "dockerode";
import { describe, expect, it } from "vitest";
import { imagePackages } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { DockerSpawner, SwarmSpawner, type Spawner } from "@/lib/spawner";
import { engineReadiness, SEEDED_IMAGE, swarmReadiness } from "@/lib/spawner/testing";
import { comparePackages } from "./compare";
import { environmentPackages, packagesOfImage } from "./environment-packages";

const CI = Boolean(process.env.CI);
const notReady = await engineReadiness();
if (notReady && !CI) console.warn(`[packages/environment-packages.test] skipped: ${notReady}`);
const swarmNotReady = await swarmReadiness();
if (swarmNotReady && !CI) console.warn(`[packages/environment-packages.test] swarm backend skipped: ${swarmNotReady}`);
const oneOffs = async () =>
  (await new Dockerode().listContainers({ all: true, filters: { label: ["atrium.purpose=run-in-image"] } })).length;

const backends: { name: string; notReady: string | undefined; make: () => Spawner }[] = [
  { name: "docker", notReady, make: () => new DockerSpawner() },
  { name: "swarm", notReady: swarmNotReady, make: () => new SwarmSpawner() },
];

describe("comparing two package lists", () => {
  it("matches by normalised name and counts each kind of difference", () => {
    const c = comparePackages(
      [
        { name: "NumPy", version: "1.26.4" },
        { name: "pandas", version: "2.1.0" },
        { name: "only_left", version: "1" },
      ],
      [
        { name: "numpy", version: "1.26.4" },
        { name: "Pandas", version: "2.2.0" },
        { name: "only-right", version: "2" },
      ],
    );
    expect(c.rows).toEqual([
      { name: "NumPy", left: "1.26.4", right: "1.26.4", status: "same" },
      { name: "only_left", left: "1", status: "only-left" },
      { name: "only-right", right: "2", status: "only-right" },
      { name: "pandas", left: "2.1.0", right: "2.2.0", status: "different" },
    ]);
    expect(c.counts).toEqual({ same: 1, different: 1, "only-left": 1, "only-right": 1 });
  });
});

for (const kind of DB_KINDS)
  for (const backend of backends)
    describe.skipIf(backend.notReady !== undefined && !CI)(`${kind}, ${backend.name}: packages of an environment (real engine)`, () => {
      const db = useTestDatabase(kind);
      const spawner = backend.make();

      it("lists the image's system packages, says installs survive restarts, and reads the image only once", async () => {
        if (backend.notReady) throw new Error(`cannot run in CI: ${backend.notReady}`);
        const before = await oneOffs();
        const first = await environmentPackages(db(), spawner, "python");
        expect(first.environment).toEqual({ id: "python", name: expect.any(String) });
        expect(first.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
        // The seeded environment is the JupyterLab image on Debian trixie (scripts/workspace-image/build.sh).
        expect(first.pythonVersion).toMatch(/^3\.13\.\d+$/);
        expect(first.userSiteInHome).toBe(true);
        expect(first.packages.find((p) => p.name === "pip")?.version).toMatch(/^\d+\.\d+/);
        expect(first.packages.find((p) => p.name === "jupyterlab")?.version).toMatch(/^4\./);
        // The one-off container is gone.
        expect(await oneOffs()).toBe(before);
        const second = await packagesOfImage(db(), spawner, SEEDED_IMAGE);
        expect(second.readAt).toBe(first.readAt);
        expect(second.packages).toEqual(first.packages);
        expect(await db().select().from(imagePackages)).toHaveLength(1);
      }, 90_000);

      it("answers 404 for an unknown environment and 409 for an image that is not on the host", async () => {
        await expect(environmentPackages(db(), spawner, "nope")).rejects.toMatchObject({ status: 404, code: "environment_not_found" });
        await expect(packagesOfImage(db(), spawner, "atrium-no-such-image:0")).rejects.toMatchObject({
          status: 409,
          code: "image_missing",
          message: "The image atrium-no-such-image:0 is not on this host, so its packages cannot be read.",
        });
      });
    });
