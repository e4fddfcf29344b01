/**
 * Which object a row is reconciled against when two carry its labels (one under the name from before
 * injective names, or another portal's on a shared engine): the one at the URL the row recorded, so
 * reconcile never points a running row at the other one. Nothing else is saved for the backend; the
 * whole reconcile path against a real engine is in lifecycle.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { findServer, upsertServer } from "@/db/queries/servers";
import { insertUser } from "@/db/queries/users";
import { serverRowFixture } from "@/db/server-fixture";
import { openTestDatabase } from "@/db/testing";
import type { ListedServer, Spawner } from "@/lib/spawner";
import { reconcileServers } from "./reconcile";
import { NO_JOBS } from "@/lib/spawner/testing";

let handle: DbHandle;
let listed: ListedServer[] = [];
const no = () => Promise.reject(new Error("not used"));
const spawner: Spawner = {
  start: no,
  stop: no,
  remove: no,
  status: no,
  exec: no,
  stats: no,
  imageInfo: no,
  runInImage: no,
  ...NO_JOBS,
  capacity: no,
  removeVolume: no,
  list: () => Promise.resolve(listed),
  ping: () => Promise.resolve(true),
};

const running = (url: string): ListedServer => ({
  user: "rae",
  server: "default",
  userId: "id-rae",
  environment: "python",
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
    expect(await reconcileServers(handle.db, spawner)).toMatchObject({ adopted: ["rae/default"] });
    expect((await findServer(handle.db, "rae", "default"))?.url).toBe("http://127.0.0.1:40002");
  });

  it("takes the first one when none is at the recorded URL, and records where it answers", async () => {
    listed = [running("http://127.0.0.1:40003"), running("http://127.0.0.1:40004")];
    expect(await reconcileServers(handle.db, spawner)).toMatchObject({ adopted: ["rae/default"] });
    expect((await findServer(handle.db, "rae", "default"))?.url).toBe("http://127.0.0.1:40003");
  });
});
