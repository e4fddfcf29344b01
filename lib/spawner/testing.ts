/**
 * What tests of the spawner and of its callers share: the test images, whether the engine (and a
 * swarm) can be used, specs that remember what to clean up, waits on Jupyter and on a backend's
 * status, and a fake's job methods. Test-only.
 */
import { randomBytes } from "node:crypto";
import { seedEnvironments } from "@/db/seed";
import { legacyVolumeName } from "./container-spec";
import { DockerSpawner } from "./docker";
import type { ServerRef, ServerSpec, ServerStatus, Spawner } from "./types";

/** The small Notebook 6 image (scripts/workspace-image/build.sh classic), for tests that only need "a Jupyter". */
export const TEST_IMAGE = process.env.ATRIUM_TEST_WORKSPACE_IMAGE ?? "atrium-workspace:1";
/** The image of the seeded environment "python" (JupyterLab 4), for tests that start that environment. */
export const SEEDED_IMAGE = seedEnvironments[0]?.image ?? "atrium-jupyterlab:1";

/** Why the real engine can't be used for tests, or undefined when it can. */
export async function engineReadiness(image = TEST_IMAGE): Promise<string | undefined> {
  const probe = new DockerSpawner();
  if (!(await probe.ping())) return "the Docker engine is not reachable (run scripts/ensure-docker.sh)";
  try {
    if (!(await probe.imageInfo(image)).present) return `the image ${image} is absent (build it with scripts/workspace-image/build.sh)`;
  } catch (err) {
    return `the engine answered ping but not an image inspect: ${String(err)}`;
  }
  return undefined;
}

/**
 * Why the swarm backend can't be tested here, or undefined when it can: the engine and image as
 * above, and this engine a manager of an active swarm (`docker swarm init --advertise-addr 127.0.0.1`).
 */
export async function swarmReadiness(image = TEST_IMAGE): Promise<string | undefined> {
  const notReady = await engineReadiness(image);
  if (notReady) return notReady;
  try {
    const info = (await new DockerSpawner().docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
    const state = info.Swarm?.LocalNodeState ?? "unknown";
    if (state !== "active") return `the engine is not in a swarm (state "${state}"; run docker swarm init --advertise-addr 127.0.0.1)`;
    if (!info.Swarm?.ControlAvailable) return "the engine is a swarm worker, not a manager: services can only be created on a manager";
  } catch (err) {
    return `the engine answered ping but not docker info: ${String(err)}`;
  }
  return undefined;
}

/** A spec factory that records every user and (user, server) it made, for afterAll's clean-up. */
export function specFactory() {
  const users = new Set<string>();
  const refs: ServerRef[] = [];
  function spec(user: string, server: string, extra: Partial<ServerSpec> = {}): ServerSpec {
    users.add(user);
    if (!refs.some((r) => r.user === user && r.server === server)) refs.push({ user, server });
    return {
      user,
      server,
      userId: `id-${user}`,
      homeVolume: legacyVolumeName(user),
      environment: "test-env",
      image: TEST_IMAGE,
      cpu: 0.5,
      memGb: 1,
      token: randomBytes(16).toString("hex"),
      baseUrl: `/user/${user}/${server}/`,
      env: { MLFLOW_TRACKING_URI: "http://host.docker.internal:3000", ATRIUM_TEST: "yes" },
      ...extra,
    };
  }
  return { spec, users, refs };
}

export async function collectLines(output: AsyncIterable<string>): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of output) lines.push(line);
  return lines;
}

/** Milliseconds until Jupyter's /api/status answered 200 with the token; throws with the last answer. */
export async function waitForJupyterApi(url: string, baseUrl: string, token: string, timeoutMs = 30_000): Promise<number> {
  const t0 = Date.now();
  let last = "";
  while (Date.now() - t0 < timeoutMs) {
    try {
      const res = await fetch(`${url}${baseUrl}api/status`, {
        headers: { Authorization: `token ${token}` },
        signal: AbortSignal.timeout(1000), // a published port accepts before Jupyter listens; an early try can hang
      });
      if (res.status === 200) return Date.now() - t0;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url}${baseUrl}api/status did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

/** The backend's status once `pred` holds, or the last one seen when the time is up. */
export async function waitForStatus(
  spawner: Spawner,
  ref: ServerRef,
  pred: (s: ServerStatus) => boolean,
  timeoutMs: number,
): Promise<ServerStatus> {
  const t0 = Date.now();
  let s = await spawner.status(ref);
  while (!pred(s) && Date.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 250));
    s = await spawner.status(ref);
  }
  return s;
}

/** The job methods of a fake Spawner that a test does not expect to be called. */
export const NO_JOBS: Pick<Spawner, "startJob" | "jobStatus" | "jobLogs" | "jobFile" | "removeJob" | "listJobs"> = {
  startJob: () => Promise.reject(new Error("not used")),
  jobStatus: () => Promise.reject(new Error("not used")),
  jobLogs: () => Promise.reject(new Error("not used")),
  jobFile: () => Promise.reject(new Error("not used")),
  removeJob: () => Promise.reject(new Error("not used")),
  // Reconcile-style callers list everything: an engine without jobs.
  listJobs: () => Promise.resolve([]),
};

/**
 * A Python program that prints, for each URL argument (a Jupyter server's `<base>api`), "jupyter" when
 * a Jupyter server answered there, else "blocked". It asks for Jupyter's own answer rather than a TCP
 * connection: an egress proxy (this CI's sandbox has one) accepts a connection to any address.
 */
const JUPYTER_REACH_PROBE = [
  "import json, sys, urllib.request as u",
  "for url in sys.argv[1:]:",
  "  try: print('jupyter' if 'version' in json.load(u.urlopen(url, timeout=3)) else 'other')",
  "  except Exception: print('blocked')",
].join("\n");

/**
 * Test clean-up of the personal networks a test's workloads used: waits (up to 15 s) until no
 * container of the test's people is left (a swarm removes a service's task containers a few seconds
 * after the service), then removes every idle personal network (never one in use).
 */
export async function removeIdleNetworksOnceGone(spawner: Spawner, isTestUser: (user: string) => boolean): Promise<void> {
  const docker = new DockerSpawner().docker;
  for (let i = 0; i < 60; i++) {
    const left = await docker.listContainers({ all: true, filters: { label: ["atrium.managed=true"] } });
    if (!left.some((c) => isTestUser(c.Labels["atrium.user"] ?? ""))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await spawner.removeIdleNetworks?.();
}

/** What `from`'s workspace reaches of each Jupyter at [host, its spec]: "jupyter" or "blocked", in order. */
export async function jupyterReach(
  spawner: Spawner,
  from: ServerRef,
  targets: Array<[string, Pick<ServerSpec, "baseUrl">]>,
): Promise<string[]> {
  const urls = targets.map(([host, s]) => `http://${host}:8888${s.baseUrl}api`);
  return collectLines((await spawner.exec(from, ["python3", "-c", JUPYTER_REACH_PROBE, ...urls])).output);
}
