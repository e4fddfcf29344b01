/**
 * bench:spawn's Atrium side: one person per start (as when 20 people start at once), each with a
 * fresh home volume, through startServer → the row turns "running". The time is read from the row:
 * startedAt is stamped in the same write that makes it running, so the bench can poll lazily (one
 * query per tick for every start in flight, like the portal's progress stream) without its polling
 * interval or its CPU counting against Atrium.
 */
import type { Db } from "../../db/client";
import { listServersIn } from "../../db/queries/servers";
import { findUser, insertUser, updateUser } from "../../db/queries/users";
import type { Principal } from "../../lib/auth/principal";
import { objectName, type DockerSpawner } from "../../lib/spawner";
import { workspaceRef } from "../../lib/workspaces/workload";
import { startServer } from "../../lib/workspaces/start";
import { stopServer } from "../../lib/workspaces/stop";
import { engineTime, type StartSample } from "./raw-docker";
import { sleep } from "./stats";

const TICK_MS = 500;

interface Waiter {
  /** With the moment Atrium marked the server running. */
  resolve: (readyAt: number) => void;
  reject: (err: Error) => void;
}

/** Resolves with startedAt once a server's row is running (rejects when it failed); one query per tick for all. */
export function createReadyWatcher(db: Db) {
  const waiters = new Map<string, Waiter>();
  let looping = false;
  async function loop() {
    looping = true;
    while (waiters.size > 0) {
      const rows = await listServersIn(db, ["running", "failed"]);
      for (const row of rows) {
        const key = `${row.userName}/${row.name}`;
        const w = waiters.get(key);
        if (!w) continue;
        waiters.delete(key);
        if (row.status === "running") w.resolve(row.startedAt?.getTime() ?? Date.now());
        else w.reject(new Error(`${key} failed: ${row.reason ?? "no reason"}`));
      }
      await sleep(TICK_MS);
    }
    looping = false;
  }
  return (user: string, server: string) =>
    new Promise<number>((resolve, reject) => {
      waiters.set(`${user}/${server}`, { resolve, reject });
      if (!looping) void loop();
    });
}

export async function createBenchUser(db: Db, name: string): Promise<Principal> {
  await insertUser(db, { name, role: "admin", roleSource: "admin" });
  await updateUser(db, name, { limits: { maxServers: 5, maxTotalCpu: 16, maxTotalMemGb: 16 } });
  return { name, role: "admin", admin: true, via: "token" };
}

export async function atriumStart(
  db: Db,
  spawner: DockerSpawner,
  waitReady: (user: string, server: string) => Promise<number>,
  me: Principal,
): Promise<StartSample> {
  const user = me.name;
  const server = "b";
  const t0 = Date.now();
  await startServer(db, spawner, me, user, server, { environment: "python", cpu: 1, memGb: 1 });
  const ms = (await waitReady(user, server)) - t0;
  const info = await spawner.docker.getContainer(objectName(workspaceRef({ user, server }))).inspect();
  const cleanup = async () => {
    await stopServer(db, spawner, me, user, server, { wait: true }).catch(() => undefined);
    const home = (await findUser(db, user))?.homeVolume;
    if (home) await spawner.removeVolume(home).catch(() => undefined);
  };
  return { ms, t0, created: engineTime(info.Created), started: engineTime(info.State.StartedAt), cleanup };
}
