/**
 * Which kernel states keep a server alive. A real Jupyter reaches the "starting forever" state only
 * now and then, so a small HTTP stand-in answers /api/status and /api/kernels here; the whole culling
 * path against a real Jupyter is in cull.test.ts.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { findServer, upsertServer } from "@/db/queries/servers";
import { insertUser } from "@/db/queries/users";
import { servers } from "@/db/schema";
import { openTestDatabase } from "@/db/testing";
import type { Spawner } from "@/lib/spawner";
import { cullIdleServers } from "./cull";
import { serverRowFixture } from "@/db/server-fixture";
import { NO_OUTPUT, serverLabel } from "@/lib/spawner/testing";

let handle: DbHandle;
let jupyter: Server;
let kernelState = "idle";
const started = new Date("2026-01-01T00:00:00Z");
const hoursLater = new Date("2026-01-01T03:00:00Z");
const removed: string[] = [];

const spawner: Spawner = {
  start: () => Promise.reject(new Error("not used")),
  stop: () => Promise.resolve(),
  remove: (ref) => {
    removed.push(`${serverLabel(ref)}`);
    return Promise.resolve();
  },
  status: () => Promise.resolve({ state: "missing" }),
  list: () => Promise.resolve([]),
  removeVolume: () => Promise.reject(new Error("not used")),
  exec: () => Promise.reject(new Error("not used")),
  imageInfo: () => Promise.reject(new Error("not used")),
  runInImage: () => Promise.reject(new Error("not used")),
  ...NO_OUTPUT,
  capacity: () => Promise.reject(new Error("not used")),
  ping: () => Promise.resolve(true),
  stats: () => Promise.reject(new Error("not used")),
};

beforeAll(async () => {
  jupyter = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url?.endsWith("/api/status")) res.end(JSON.stringify({ last_activity: started.toISOString() }));
    else res.end(JSON.stringify([{ id: "k1", execution_state: kernelState, last_activity: started.toISOString() }]));
  });
  await new Promise<void>((resolve) => jupyter.listen(0, "127.0.0.1", resolve));
  handle = await openTestDatabase("pglite");
  await insertUser(handle.db, { name: "kim", role: "user", roleSource: "admin" });
});

afterAll(async () => {
  jupyter.close();
  await handle?.close();
});

async function runningServer(name: string): Promise<void> {
  await upsertServer(
    handle.db,
    await serverRowFixture(handle.db, "kim", name, {
      url: `http://127.0.0.1:${(jupyter.address() as AddressInfo).port}`,
      jupyterToken: "t",
      requestedAt: started,
      startedAt: started,
      lastActivity: started,
    }),
  );
}

describe("kernel states and culling", () => {
  it.each(["busy", "starting"])("a kernel Jupyter reports as %s keeps the server", async (state) => {
    kernelState = state;
    await runningServer(`s-${state}`);
    expect(await cullIdleServers(handle.db, spawner, 30, hoursLater)).toEqual([]);
    expect((await findServer(handle.db, "kim", `s-${state}`))?.status).toBe("running");
  });

  it("an idle kernel past the timeout is culled", async () => {
    kernelState = "idle";
    await handle.db.delete(servers);
    await runningServer("s-idle");
    expect(await cullIdleServers(handle.db, spawner, 30, new Date(hoursLater.getTime() + 3 * 3_600_000))).toEqual(["kim/s-idle"]);
    expect(await findServer(handle.db, "kim", "s-idle")).toMatchObject({ status: "stopped", reason: "idle for 360 minutes" });
  });
});
