/**
 * A person's home read whether or not a server of hers runs (home-files.ts), on the real engine with the seeded
 * image, both backends: the picker's listing, a job refused at create when its path names no file (changing
 * nothing), and sizes beyond what the engine's machine has refused before the engine is asked (docs/jobs.md).
 */
import Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findServer } from "@/db/queries/servers";
import { insertUser } from "@/db/queries/users";
import { jobs } from "@/db/schema";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { DockerSpawner, SwarmSpawner, type Spawner } from "@/lib/spawner";
import { engineReadiness, SEEDED_IMAGE, swarmReadiness } from "@/lib/spawner/testing";
import { machineCapacity } from "@/lib/usage/capacity";
import { startServer } from "@/lib/workspaces/start";
import { listHomeFolder } from "./home-files";
import { createJob, updateJobOf } from "./manage";
import { createJobSchema } from "./schemas";
import { refusal, writeHomeFiles } from "./testing";

const CI = Boolean(process.env.CI);
const run = Date.now().toString(36);
const docker = new Dockerode();

const backends = [
  { name: "docker", notReady: await engineReadiness(SEEDED_IMAGE), make: (): Spawner => new DockerSpawner() },
  { name: "swarm", notReady: await swarmReadiness(SEEDED_IMAGE), make: (): Spawner => new SwarmSpawner() },
];
for (const b of backends) if (b.notReady && !CI) console.warn(`[jobs/home-files.test] ${b.name} skipped: ${b.notReady}`);

describe.each(backends.filter((b) => b.notReady === undefined || CI))("a person's home on $name (real engine)", (backend) => {
  const db = useTestDatabase("pglite");
  let spawner: Spawner;
  let ada: Principal;
  let root: Principal;
  const volumes: string[] = [];

  beforeAll(async () => {
    if (backend.notReady) throw new Error(`home tests on ${backend.name} cannot run in CI: ${backend.notReady}`);
    spawner = backend.make();
    const person = async (name: string, role: string): Promise<Principal> => {
      const row = await insertUser(db(), { name, role, roleSource: "admin" });
      if (!row) throw new Error("no user");
      volumes.push(row.homeVolume);
      return { name, userId: row.id, role, admin: role === "admin", via: "session" };
    };
    ada = await person(`h${run}${backend.name[0]}`, "user");
    root = await person(`r${run}${backend.name[0]}`, "admin");
    await writeHomeFiles(docker, SEEDED_IMAGE, volumes[0] ?? "", {
      "jobs/train.ipynb": "{}",
      "jobs/prep.py": "print('prep')\n",
      "jobs/notes.txt": "not a job",
      "jobs/.secret.py": "hidden",
      "data/raw/x.csv": "1,2",
      "top.py": "print(1)\n",
    });
  }, 180_000);

  afterAll(async () => {
    for (const v of volumes) await spawner?.removeVolume(v).catch(() => undefined);
  });

  const ask = (over: Record<string, unknown> = {}) =>
    createJobSchema.parse({
      name: "train",
      path: "jobs/train.ipynb",
      environment: "python",
      cpu: 0.5,
      memGb: 0.5,
      timeoutS: 60,
      trigger: { kind: "manual" },
      ...over,
    });

  it("lists one folder of the home, no server running: folders first, then notebooks and scripts only", async () => {
    expect(await listHomeFolder(db(), spawner, ada.name, "python", "")).toEqual({
      dir: "",
      entries: [
        { name: "data", kind: "folder" },
        { name: "jobs", kind: "folder" },
        { name: "top.py", kind: "script" },
      ],
      truncated: false,
    });
    expect((await listHomeFolder(db(), spawner, ada.name, "python", "jobs")).entries).toEqual([
      { name: "prep.py", kind: "script" },
      { name: "train.ipynb", kind: "notebook" },
    ]);
    expect(await refusal(listHomeFolder(db(), spawner, ada.name, "python", "nope"))).toMatchObject({
      status: 404,
      code: "folder_not_found",
    });
    expect(await refusal(listHomeFolder(db(), spawner, ada.name, "python", "../"))).toMatchObject({ status: 400, code: "invalid_path" });
    expect(await refusal(listHomeFolder(db(), spawner, ada.name, "python", "/etc"))).toMatchObject({ status: 400, code: "invalid_path" });
  }, 180_000);

  it("a home that was never made lists empty, and no volume is made by looking", async () => {
    expect((await listHomeFolder(db(), spawner, root.name, "python", "")).entries).toEqual([]);
    await expect(docker.getVolume(volumes[1] ?? "").inspect()).rejects.toMatchObject({ statusCode: 404 });
  }, 180_000);

  it("refuses a job whose path names no file at create and at change, changing nothing", async () => {
    const missing = await refusal(createJob(db(), ada, ask({ path: "jobs/missing.ipynb" }), ada.name, spawner));
    expect(missing).toMatchObject({ status: 400, code: "path_not_found" });
    expect(missing.message).toContain('There is no notebook at "jobs/missing.ipynb"');
    expect(await refusal(createJob(db(), ada, ask({ path: "jobs/notes.py" }), ada.name, spawner))).toMatchObject({
      code: "path_not_found",
    });
    expect(await db().select().from(jobs)).toEqual([]);
    const job = await createJob(db(), ada, ask(), ada.name, spawner);
    expect(job.path).toBe("jobs/train.ipynb");
    expect(await refusal(updateJobOf(db(), ada, job.id, { path: "gone.py" }, spawner))).toMatchObject({
      status: 400,
      code: "path_not_found",
    });
    expect((await db().select().from(jobs))[0]?.path).toBe("jobs/train.ipynb");
  }, 180_000);

  it("refuses a server or a job asking more CPUs than the engine's machine has, naming the role's limit", async () => {
    const machine = await machineCapacity(spawner);
    expect(machine.source).toBe("engine");
    const cpu = Math.min(16, machine.cpu * 2); // the admin role allows 16 (db/seed.ts)
    const start = await refusal(startServer(db(), spawner, root, root.name, "big", { environment: "python", cpu, memGb: 1 }));
    expect(start).toMatchObject({ status: 403, code: "exceeds_machine" });
    expect(start.message).toBe(
      `The machine workloads run on has ${machine.cpu} CPU${machine.cpu === 1 ? "" : "s"}, so nothing can ask for ${cpu} CPUs, although role 'admin' allows 16 CPUs.`,
    );
    expect(await findServer(db(), root.name, "big")).toBeUndefined();
    await writeHomeFiles(docker, SEEDED_IMAGE, volumes[1] ?? "", { "big.py": "print(1)\n" });
    expect(await refusal(createJob(db(), root, ask({ name: "big", path: "big.py", cpu }), root.name, spawner))).toMatchObject({
      status: 403,
      code: "exceeds_machine",
    });
  }, 180_000);
});
