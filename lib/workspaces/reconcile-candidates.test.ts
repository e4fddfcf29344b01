/**
 * Which object a row is reconciled against when two carry its labels (one under the name from before
 * injective names, or another portal's on a shared engine): the one at the URL the row recorded, so
 * reconcile never points a running row at the other one; and the one reconcile over every kind
 * (lib/workloads/reconcile.ts) against a fake engine's list. Nothing else is saved for the backend;
 * the whole reconcile path against a real engine is in lifecycle.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { insertDeletedUser } from "@/db/queries/deleted-users";
import { insertExecution, insertJob } from "@/db/queries/jobs";
import { findServer, upsertServer } from "@/db/queries/servers";
import { findUser, insertUser } from "@/db/queries/users";
import { serverRowFixture } from "@/db/server-fixture";
import { openTestDatabase } from "@/db/testing";
import type { ListedWorkload, Spawner } from "@/lib/spawner";
import { reconcileWorkloads } from "@/lib/workloads/reconcile";
import { NO_OUTPUT } from "@/lib/spawner/testing";

let handle: DbHandle;
let listed: ListedWorkload[] = [];
const removed: string[] = [];
const no = () => Promise.reject(new Error("not used"));
const spawner: Spawner = {
  start: no,
  stop: no,
  remove: (ref) => {
    removed.push(`${ref.kind}:${ref.id}`);
    return Promise.resolve();
  },
  status: no,
  exec: no,
  stats: no,
  imageInfo: no,
  runInImage: no,
  ...NO_OUTPUT,
  capacity: no,
  removeVolume: no,
  list: () => Promise.resolve(listed),
  ping: () => Promise.resolve(true),
};

const running = (url: string): ListedWorkload => ({
  ref: { kind: "workspace", id: "rae_default" },
  ownerId: "id-rae",
  ownerName: "rae",
  labels: { "atrium.user": "rae", "atrium.server": "default", "atrium.env": "python" },
  status: { state: "running" },
  url,
});

beforeAll(async () => {
  handle = await openTestDatabase("pglite");
  await insertUser(handle.db, { name: "rae", role: "user", roleSource: "admin" });
});

afterAll(async () => {
  await handle?.close();
});

describe("reconcile with two objects under one server's labels", () => {
  it("keeps the row on the object at its recorded URL, whichever is listed first", async () => {
    await upsertServer(handle.db, await serverRowFixture(handle.db, "rae", "default", { url: "http://127.0.0.1:40002" }));
    listed = [running("http://127.0.0.1:40001"), running("http://127.0.0.1:40002")];
    expect(await reconcileWorkloads(handle.db, spawner)).toMatchObject({ adopted: ["rae/default"] });
    expect((await findServer(handle.db, "rae", "default"))?.url).toBe("http://127.0.0.1:40002");
  });

  it("takes the first one when none is at the recorded URL, and records where it answers", async () => {
    listed = [running("http://127.0.0.1:40003"), running("http://127.0.0.1:40004")];
    expect(await reconcileWorkloads(handle.db, spawner)).toMatchObject({ adopted: ["rae/default"] });
    expect((await findServer(handle.db, "rae", "default"))?.url).toBe("http://127.0.0.1:40003");
  });
});

describe("one reconcile over every kind", () => {
  const execution = (id: string, ownerId = "id-rae", state: ListedWorkload["status"] = { state: "succeeded" }): ListedWorkload => ({
    ref: { kind: "job", id },
    ownerId,
    ownerName: "rae",
    labels: { "atrium.kind": "job", "atrium.execution": id },
    status: state,
  });

  it("removes an execution's object once its row ended a while ago, keeps the rest, and a deleted person's of every kind", async () => {
    const now = Date.now();
    const job = await insertJob(handle.db, {
      id: "job_reconcile",
      ownerName: "rae",
      ownerId: (await findUser(handle.db, "rae"))?.id ?? "",
      name: "nightly",
      path: "a.py",
      environmentId: "python",
      cpu: 0.5,
      memGb: 0.5,
      timeoutS: 60,
      trigger: "manual",
    });
    const row = (id: string, state: "succeeded" | "running", finishedAgoMs?: number) =>
      insertExecution(handle.db, {
        id,
        jobId: job.id,
        runKey: id,
        cause: "manual",
        scheduledFor: new Date(now - 3_600_000),
        state,
        cpu: 0.5,
        memGb: 0.5,
        ...(finishedAgoMs === undefined ? {} : { finishedAt: new Date(now - finishedAgoMs) }),
      });
    await row("jex_endedlongago", "succeeded", 20 * 60_000);
    await row("jex_endedjustnow", "succeeded", 60_000);
    await row("jex_stillrunning", "running");
    await insertDeletedUser(handle.db, { id: "id-gone", name: "gone", homeVolume: "atrium-home-id-gone", volumeKept: true });
    listed = [
      execution("jex_endedlongago"),
      execution("jex_endedjustnow"),
      execution("jex_stillrunning", "id-rae", { state: "running" }),
      // Another portal's on a shared engine: no row here.
      execution("jex_otherportals", "id-elsewhere", { state: "running" }),
      execution("jex_ofdeletedone", "id-gone", { state: "running" }),
      {
        ref: { kind: "workspace", id: "gone_default" },
        ownerId: "id-gone",
        ownerName: "gone",
        labels: { "atrium.user": "gone", "atrium.server": "default" },
        status: { state: "running" },
        url: "http://127.0.0.1:40009",
      },
    ];
    removed.length = 0;
    const report = await reconcileWorkloads(handle.db, spawner, now);
    // (rae's server row of the cases above has no object in this list: it is ended as the workspaces' rule says.)
    expect(removed.filter((r) => r !== "workspace:rae_default").sort()).toEqual([
      "job:jex_endedlongago",
      "job:jex_ofdeletedone",
      "workspace:gone_default",
    ]);
    expect(report).toMatchObject({
      orphaned: ["job execution jex_ofdeletedone", "gone/default"],
      stopped: ["rae/default", "job execution jex_endedlongago"],
      unknown: ["job execution jex_otherportals"],
    });
  });
});
