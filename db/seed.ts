import type { Db } from "./client";
import { environments, roles } from "./schema";

/** The roles every installation starts with; admins change them on the roles page. */
export const seedRoles = [
  {
    name: "user",
    maxCpu: 2,
    maxMemGb: 4,
    maxServers: 1,
    maxTotalCpu: 2,
    maxTotalMemGb: 4,
    maxStorageGb: 10,
    maxEndpoints: 2,
    maxServingCpu: 2,
    maxServingMemGb: 4,
  },
  {
    name: "power",
    maxCpu: 8,
    maxMemGb: 32,
    maxServers: 3,
    maxTotalCpu: 16,
    maxTotalMemGb: 64,
    maxStorageGb: 50,
    maxEndpoints: 5,
    maxServingCpu: 8,
    maxServingMemGb: 32,
  },
  {
    name: "admin",
    maxCpu: 16,
    maxMemGb: 64,
    maxServers: 5,
    maxTotalCpu: 32,
    maxTotalMemGb: 128,
    maxStorageGb: 200,
    maxEndpoints: 10,
    maxServingCpu: 16,
    maxServingMemGb: 64,
  },
];

/** The image scripts/workspace-image/build.sh makes; admins add production images on /environments. */
export const seedEnvironments = [
  {
    id: "python",
    name: "Python 3.13 · JupyterLab",
    description:
      "Debian trixie with Python 3.13, JupyterLab 4, numpy, pandas, SciPy, scikit-learn, matplotlib and pip. Packages you install go to your home folder and survive restarts.",
    image: "atrium-jupyterlab:1",
    command: null,
    defaultCpu: 1,
    defaultMemGb: 2,
  },
];

export async function seedDatabase(db: Db): Promise<void> {
  await db.insert(roles).values(seedRoles).onConflictDoNothing();
  await db.insert(environments).values(seedEnvironments).onConflictDoNothing();
}
