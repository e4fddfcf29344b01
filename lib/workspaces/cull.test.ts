/**
 * Idle culling against a real Jupyter: an idle server is stopped once it has been idle longer than the
 * timeout, a kernel that is busy computing keeps it alive. "Later" is simulated by the `now` argument.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { findServer } from "@/db/queries/servers";
import { insertUser } from "@/db/queries/users";
import { auditEvents } from "@/db/schema";
import { openTestDatabase } from "@/db/testing";
import type { Principal } from "@/lib/auth/principal";
import { bindIds } from "@/lib/auth/testing";
import { sendExecute, startedExecuting } from "@/lib/workspaces/kernel-test-client";
import { openWebSocket } from "@/lib/proxy/ws-test-client";
import { DockerSpawner } from "@/lib/spawner";
import { engineReadiness, SEEDED_IMAGE } from "@/lib/spawner/testing";
import { workspaceRef } from "./workload";
import { cullIdleServers } from "./cull";
import { startServer } from "./start";
import { resolveWorkspaceTarget } from "./target";

const CI = Boolean(process.env.CI);
const notReady = await engineReadiness(SEEDED_IMAGE);
if (notReady && !CI) console.warn(`[workspaces/cull.test] skipped: ${notReady}`);

const spawner = new DockerSpawner();
const user = `cull${Date.now().toString(36)}`;
const me: Principal = { name: user, role: "user", admin: false, via: "token" };
let handle: DbHandle;
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);

async function running(): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await findServer(handle.db, user, "default"))?.status === "running") return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("server never ran");
}

describe.skipIf(notReady !== undefined && !CI)("idle culling (real Jupyter)", () => {
  beforeAll(async () => {
    if (notReady) throw new Error(`culling tests cannot run in CI: ${notReady}`);
    handle = await openTestDatabase("pglite");
    await insertUser(handle.db, { name: user, role: "user", roleSource: "admin" });
    await bindIds(handle.db, me);
    await startServer(handle.db, spawner, me, user, "default", { environment: "python", cpu: 0.5, memGb: 0.5 });
    await running();
  });

  afterAll(async () => {
    await spawner.remove(workspaceRef({ user, server: "default" })).catch(() => undefined);
    await spawner.removeVolume(user).catch(() => undefined);
    await handle?.close();
  });

  it("keeps a server whose kernel is busy, and culls it once it is idle past the timeout", async () => {
    expect(await cullIdleServers(handle.db, spawner, 0, inMinutes(120))).toEqual([]); // 0 turns culling off
    expect(await cullIdleServers(handle.db, spawner, 30)).toEqual([]); // just started

    const target = await resolveWorkspaceTarget(handle.db, user, "default");
    if (!target) throw new Error("no target");
    const base = `${target.url}/user/${user}/default/`;
    const auth = { authorization: `token ${target.token}` };
    // The culler reads the server's /api/kernels. A new kernel shows "starting" there until the
    // server's activity stream is connected, and now and then that never happens (the culler then
    // counts the kernel as busy). The idle-then-busy path needs a kernel the server follows.
    const kernelStates = async () =>
      ((await (await fetch(`${base}api/kernels`, { headers: auth })).json()) as { execution_state: string }[]).map(
        (k) => k.execution_state,
      );
    const waitForState = async (state: string, tries = 200) => {
      for (let i = 0; i < tries; i++) {
        if ((await kernelStates()).includes(state)) return true;
        await new Promise((r) => setTimeout(r, 100));
      }
      return false;
    };
    let kernel: { id: string } | undefined;
    let opened: Awaited<ReturnType<typeof openWebSocket>> | undefined;
    for (let attempt = 0; attempt < 5 && !kernel; attempt++) {
      const created = (await (
        await fetch(`${base}api/kernels`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" })
      ).json()) as { id: string };
      opened = await openWebSocket(`${base.replace("http", "ws")}api/kernels/${created.id}/channels?session_id=${randomUUID()}`, auth);
      if (!opened.upgraded) throw new Error(`no websocket: ${opened.status}`);
      if (await waitForState("idle", 50)) kernel = created;
      else {
        opened.ws.close();
        await fetch(`${base}api/kernels/${created.id}`, { method: "DELETE", headers: auth });
      }
    }
    if (!kernel || !opened?.upgraded) throw new Error("Jupyter never followed a new kernel's state");
    // Busy in the server's view may also be the kernel answering the connection's own kernel_info;
    // what counts is the kernel saying it runs this request, and then the server showing busy.
    const ws = opened.ws;
    let executing = false;
    for (let attempt = 0; attempt < 3 && !executing; attempt++) {
      executing = await startedExecuting(ws, sendExecute(ws, { code: "import time; time.sleep(20)", username: user }), 5_000);
    }
    expect(executing).toBe(true);
    expect(await waitForState("busy")).toBe(true);
    // Two hours "later" but the kernel is computing: not idle.
    expect(await cullIdleServers(handle.db, spawner, 30, inMinutes(120))).toEqual([]);
    expect((await findServer(handle.db, user, "default"))?.status).toBe("running");
    opened.ws.close();

    await fetch(`${base}api/kernels/${kernel.id}/interrupt`, { method: "POST", headers: auth });
    expect(await waitForState("idle")).toBe(true);
    // The busy kernel counted as activity "now"; idle past 30 minutes after that, it is culled.
    expect(await cullIdleServers(handle.db, spawner, 30, inMinutes(200))).toEqual([`${user}/default`]);
    const row = await findServer(handle.db, user, "default");
    expect(row?.status).toBe("stopped");
    expect(row?.reason).toMatch(/^idle for \d+ minutes$/);
    const audit = (await handle.db.select().from(auditEvents)).filter((a) => a.action === "server.cull");
    expect(audit).toMatchObject([{ actor: "atrium", target: `${user}/default` }]);
  }, 60_000);
});
