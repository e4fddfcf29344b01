/**
 * bench:spawn's baseline: what a person would do by hand to get the same workspace without Atrium —
 * `docker volume create` + `docker run` with exactly the container DockerSpawner creates (same
 * limits, init, extra hosts, fresh home volume, port published on 127.0.0.1), then poll Jupyter.
 * It polls with its own fixed loop, so tuning Atrium's readiness poll never moves the baseline.
 */
import { randomBytes } from "node:crypto";
import type Dockerode from "dockerode";
import { legacyVolumeName } from "../../lib/spawner/container-spec";
import { containerCreateOptions } from "../../lib/spawner/docker";
import { Engine } from "../../lib/spawner/engine";
import { ISOLATED_BRIDGE, ensureNetwork } from "../../lib/spawner/networks";
import { JUPYTER_PORT, workspaceSpec } from "../../lib/workspaces/workload";
import { sleep } from "./stats";

export const BENCH_LABEL = "atrium.bench";

export interface StartSample {
  /** Start request → Jupyter answers /api/status, in ms. */
  ms: number;
  /** Wall-clock ms at the start request and the engine's Created / StartedAt, for the breakdown. */
  t0: number;
  created: number;
  started: number;
  cleanup: () => Promise<void>;
}

/** Docker's RFC 3339 timestamps carry nanoseconds; Date.parse wants at most milliseconds. */
export function engineTime(ts: string): number {
  return Date.parse(ts.replace(/(\.\d{3})\d+/, "$1"));
}

/** Polls like a person's script would: every 100 ms, each try cut off after 1 s. */
async function pollJupyter(url: string, token: string, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { headers: { authorization: `token ${token}` }, signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if (res.ok) return true;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return false;
}

export async function rawStart(docker: Dockerode, image: string, run: string, i: number): Promise<StartSample> {
  const user = `benchraw${run}x${String(i).replace("-", "m")}`;
  const server = "b";
  const token = randomBytes(24).toString("base64url");
  const baseUrl = `/user/${user}/${server}/`;
  const create = containerCreateOptions(
    workspaceSpec({
      user,
      server,
      ownerId: `bench-${user}`,
      homeVolume: legacyVolumeName(user),
      environment: { id: "python", image },
      cpu: 1,
      memGb: 1,
      token,
      env: { MLFLOW_TRACKING_URI: "http://host.docker.internal:3000" },
    }),
    { network: ISOLATED_BRIDGE.name, publishHost: "127.0.0.1" },
  );
  await ensureNetwork(new Engine({ docker }), ISOLATED_BRIDGE);
  // Not Atrium's labels: a portal running on this engine must not see these as workspaces.
  create.Labels = { [BENCH_LABEL]: run };
  const volume = legacyVolumeName(user);

  const t0 = Date.now();
  await docker.createVolume({ Name: volume, Labels: { [BENCH_LABEL]: run } });
  const container = await docker.createContainer(create);
  await container.start();
  const info = await container.inspect();
  const port = info.NetworkSettings.Ports[`${JUPYTER_PORT}/tcp`]?.[0]?.HostPort;
  const ok = await pollJupyter(`http://127.0.0.1:${port}${baseUrl}api/status`, token, t0 + 120_000);
  const ms = Date.now() - t0;
  const cleanup = async () => {
    await container.remove({ force: true }).catch(() => undefined);
    await docker
      .getVolume(volume)
      .remove()
      .catch(() => undefined);
  };
  if (!ok) {
    await cleanup();
    throw new Error(`the raw container ${create.name} never answered`);
  }
  return { ms, t0, created: engineTime(info.Created), started: engineTime(info.State.StartedAt), cleanup };
}
