/**
 * An admin's limit change applies to the very next start, on the real engine (the start is accepted
 * or refused by the quota check; the image is deliberately absent so nothing keeps running).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { insertEnvironment } from "@/db/queries/environments";
import { findServer } from "@/db/queries/servers";
import { insertUser } from "@/db/queries/users";
import { auditEvents } from "@/db/schema";
import { openTestDatabase } from "@/db/testing";
import type { Principal } from "@/lib/auth/principal";
import { bindIds } from "@/lib/auth/testing";
import { missingImageAdvice } from "@/lib/environments/image-hint";
import { ApiError } from "@/lib/http/api-error";
import { metrics } from "@/lib/metrics/registry";
import { putRole } from "@/lib/roles/manage";
import { DockerSpawner } from "@/lib/spawner";
import { changeUser } from "@/lib/users/manage";
import { allowanceOf } from "@/lib/users/me";
import { restartSize } from "@/components/workspaces/allowed-size";
import { startServer } from "@/lib/workspaces/start";
import { stopServers } from "./servers-table";

const CI = Boolean(process.env.CI);
const spawner = new DockerSpawner();
const engineUp = await spawner.ping();
if (!engineUp && !CI) console.warn("[admin/limits-next-start.test] skipped: the Docker engine is not reachable");

const root: Principal = { name: "root-e", role: "admin", admin: true, via: "session" };
const person = `le${Date.now().toString(36)}`;
let handle: DbHandle;
const db = () => handle.db;

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

async function failuresFor(reason: string): Promise<number> {
  const m = await metrics().spawnFailures.get();
  return m.values.find((v) => v.labels.reason === reason)?.value ?? 0;
}

describe.skipIf(!engineUp && !CI)("a limit change affects the next start", () => {
  beforeAll(async () => {
    if (!engineUp) throw new Error("the Docker engine is required in CI");
    handle = await openTestDatabase("pglite");
    await insertEnvironment(db(), {
      id: "ghost",
      name: "Ghost",
      description: "an image that is not on the engine",
      image: "atrium-e-no-such-image:0",
      command: null,
      defaultCpu: 1,
      defaultMemGb: 1,
      maxCpu: null,
      maxMemGb: null,
      rolesAllowed: [],
      deprecated: false,
    });
    await insertUser(db(), { name: person, role: "user", roleSource: "oidc" });
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("refuses after the role is lowered, accepts after a per-person override, and records each step", async () => {
    const me: Principal = { name: person, role: "user", admin: false, via: "session" };
    await bindIds(db(), me);
    const ask = { environment: "ghost", cpu: 2, memGb: 1 };

    await putRole(db(), root, "user", { maxCpu: 1, maxMemGb: 4, maxServers: 1 });
    const refused = await refusal(startServer(db(), spawner, me, person, "default", ask));
    expect(refused.status).toBe(403);
    expect(refused.code).toBe("limit_exceeded");
    expect(refused.message).toBe("You asked for 2 CPUs; role 'user' allows 1 per server; an admin can give you the 'power' role.");
    expect(await findServer(db(), person, "default")).toBeUndefined();

    await changeUser(db(), root, person, { limits: { maxCpu: 2, maxTotalCpu: 2 } });
    const before = await failuresFor("image_missing");
    const accepted = await startServer(db(), spawner, me, person, "default", ask);
    expect(accepted).toMatchObject({ status: "pending", cpu: 2, memGb: 1 });

    let row = await findServer(db(), person, "default");
    for (let i = 0; i < 100 && row?.status === "pending"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      row = await findServer(db(), person, "default");
    }
    expect(row?.status).toBe("failed");
    expect(row?.reason).toBe(missingImageAdvice("atrium-e-no-such-image:0"));
    expect(await failuresFor("image_missing")).toBe(before + 1);

    // An admin "stopping" a failed server changes nothing and says so.
    expect(
      await stopServers(db(), spawner, root, [
        { user: person, server: "default" },
        { user: person, server: "nope" },
      ]),
    ).toEqual([
      { user: person, server: "default", ok: true, status: "failed" },
      { user: person, server: "nope", ok: false, message: `There is no server ${person}/nope.` },
    ]);

    const audit = await db()
      .select({ actor: auditEvents.actor, action: auditEvents.action, target: auditEvents.target })
      .from(auditEvents)
      .orderBy(auditEvents.id);
    expect(audit).toEqual([
      { actor: "root-e", action: "role.update", target: "user" },
      { actor: "root-e", action: "user.update", target: person },
      { actor: person, action: "server.start", target: `${person}/default` },
      { actor: "atrium", action: "token.create", target: person },
    ]);
  });

  it("an admin restarting someone else's failed server gets the size the owner's limits allow now, not the old one", async () => {
    // The server last ran with 2 CPUs (above); the owner's limit is lowered to 1 CPU.
    await changeUser(db(), root, person, { limits: { maxCpu: 1, maxTotalCpu: 1 } });
    const last = await findServer(db(), person, "default");
    expect(last).toMatchObject({ status: "failed", cpu: 2, memGb: 1 });
    // The admin's own (unlimited) role does not count: the owner's does (app/servers/[name]/[server]/page.tsx).
    const allowance = await allowanceOf(db(), person);
    expect(allowance?.limits).toMatchObject({ maxCpu: 1, maxTotalCpu: 1 });
    if (!allowance) throw new Error(`no allowance for ${person}`);
    const size = restartSize(allowance, undefined, { cpu: last?.cpu ?? 0, memGb: last?.memGb ?? 0 });
    expect(size).toEqual({ cpu: 1, memGb: 1, reduced: true });
    // The start API counts the owner's quota for an admin too: the old size is refused, the clamped one accepted.
    const refused = await refusal(startServer(db(), spawner, root, person, "default", { environment: "ghost", cpu: 2, memGb: 1 }));
    expect(refused.code).toBe("limit_exceeded");
    expect(await startServer(db(), spawner, root, person, "default", { environment: "ghost", ...size })).toMatchObject({
      status: "pending",
      cpu: 1,
    });
    // Let the background start end (the image is absent) before the database closes.
    for (let i = 0; i < 100 && (await findServer(db(), person, "default"))?.status === "pending"; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await allowanceOf(db(), "nobody-here")).toBeUndefined();
  });
});
