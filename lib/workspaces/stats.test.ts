/** getServerStats against an in-memory PGlite database and a fake engine: the answer and every refusal. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DbHandle } from "@/db/client";
import { upsertServer } from "@/db/queries/servers";
import { insertUser } from "@/db/queries/users";
import { openTestDatabase } from "@/db/testing";
import { ApiError } from "@/lib/http/api-error";
import { EngineUnavailableError, OtherNodeError, NotRunningError, type Spawner } from "@/lib/spawner";
import { getServerStats } from "./stats";
import { serverRowFixture } from "@/db/server-fixture";
import { NO_OUTPUT } from "@/lib/spawner/testing";

let handle: DbHandle;

function fakeSpawner(stats: Spawner["stats"]): Spawner {
  const no = () => Promise.reject(new Error("not used"));
  return {
    start: no,
    stop: no,
    remove: no,
    status: no,
    list: no,
    exec: no,
    imageInfo: no,
    runInImage: no,
    ...NO_OUTPUT,
    capacity: no,
    removeVolume: no,
    ping: () => Promise.resolve(true),
    stats,
  };
}

async function server(name: string, status: "running" | "stopped") {
  await upsertServer(
    handle.db,
    await serverRowFixture(handle.db, "sam", name, { cpu: 1.5, memGb: 2, status, phase: null, progress: 0, message: null }),
  );
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

beforeAll(async () => {
  handle = await openTestDatabase("pglite");
  await insertUser(handle.db, { name: "sam", role: "user", roleSource: "admin" });
  await server("default", "running");
  await server("old", "stopped");
});
afterAll(async () => handle.close());

describe("getServerStats", () => {
  it("gives the engine's sample with the server's allocation", async () => {
    const spawner = fakeSpawner(async (ref) => {
      expect(ref).toEqual({ kind: "workspace", id: "sam_default" });
      return { cpu: 0.42, memBytes: 300 * 1024 ** 2 };
    });
    expect(await getServerStats(handle.db, spawner, "sam", "default")).toEqual({
      cpu: 0.42,
      memBytes: 300 * 1024 ** 2,
      cpuLimit: 1.5,
      memLimitBytes: 2 * 1024 ** 3,
    });
  });

  it("is a 404 for a server that does not exist", async () => {
    const err = await refusal(
      getServerStats(
        handle.db,
        fakeSpawner(() => Promise.reject(new Error("not called"))),
        "sam",
        "nothing",
      ),
    );
    expect([err.status, err.code, err.message]).toEqual([404, "server_not_found", "There is no server sam/nothing."]);
  });

  it("is a 409 for a stopped server, without asking the engine", async () => {
    const err = await refusal(
      getServerStats(
        handle.db,
        fakeSpawner(() => Promise.reject(new Error("not called"))),
        "sam",
        "old",
      ),
    );
    expect([err.status, err.code]).toEqual([409, "server_not_running"]);
    expect(err.message).toMatch(/^The server sam\/old is not running/);
  });

  it("is a 409 when the container is gone although the row says running", async () => {
    const err = await refusal(
      getServerStats(
        handle.db,
        fakeSpawner(() => Promise.reject(new NotRunningError("gone"))),
        "sam",
        "default",
      ),
    );
    expect([err.status, err.code]).toEqual([409, "server_not_running"]);
  });

  it("is a 503 when the engine cannot be reached", async () => {
    const err = await refusal(
      getServerStats(
        handle.db,
        fakeSpawner(() => Promise.reject(new EngineUnavailableError("down"))),
        "sam",
        "default",
      ),
    );
    expect([err.status, err.code]).toEqual([503, "engine_unavailable"]);
  });

  it("is a 501 with the node's name when the server runs on another swarm node", async () => {
    const err = await refusal(
      getServerStats(
        handle.db,
        fakeSpawner(() =>
          Promise.reject(
            new OtherNodeError("The server sam/default runs on node gpu-2; commands and usage can only be read on the portal's own node."),
          ),
        ),
        "sam",
        "default",
      ),
    );
    expect([err.status, err.code, err.message]).toEqual([
      501,
      "other_node",
      "The server sam/default runs on node gpu-2; commands and usage can only be read on the portal's own node.",
    ]);
  });
});
