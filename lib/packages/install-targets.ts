import type { Db } from "@/db/client";
import { listEnvironments } from "@/db/queries/environments";
import { listServersOf } from "@/db/queries/servers";
import { readableBy, type Caller } from "@/lib/auth/access";
import { getConfig } from "@/lib/config";
import type { Spawner } from "@/lib/spawner";
import { packagesOfImage } from "./environment-packages";
import type { PythonTarget } from "./fit";
import { terminalIndexOf } from "./terminal-index";
import { pythonOfImage } from "./workspace-python";

export interface InstallTarget {
  server: string;
  environmentId: string;
  environmentName: string;
  /** Installs land in the home volume and survive a restart; null when that could not be read. */
  keptOnRestart: boolean | null;
  /** Its Python, for which versions fit (fit.ts); null when the image scan could not tell. */
  python: PythonTarget | null;
  /** Whether `pip` in its terminal uses the portal's current index or the one it started with; null when unknown. */
  terminalIndex: "current" | "other" | null;
}

/** The person's running workspaces a package can go into, with whether installs there are kept. */
export async function installTargets(db: Db, spawner: Spawner, caller: Caller): Promise<InstallTarget[]> {
  const [servers, envs] = await Promise.all([
    caller.userId === undefined ? [] : listServersOf(db, caller.userId, readableBy(caller, "server")),
    listEnvironments(db),
  ]);
  const running = servers.filter((s) => s.status === "running");
  return Promise.all(
    running.map(async (s) => {
      const env = envs.find((e) => e.id === s.environmentId);
      const image = s.imageId ?? env?.image;
      const kept = image
        ? await packagesOfImage(db, spawner, image).then(
            (p) => p.userSiteInHome,
            () => null,
          )
        : null;
      const python = image ? await pythonOfImage(db, spawner, image) : null;
      const terminalIndex = await terminalIndexOf(spawner, s.userName, s.name, getConfig().workspacePipIndexUrl);
      return {
        server: s.name,
        environmentId: s.environmentId,
        environmentName: env?.name ?? s.environmentId,
        keptOnRestart: kept,
        python,
        terminalIndex,
      };
    }),
  );
}
