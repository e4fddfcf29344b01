/**
 * What tests of the spawner and of its callers share: the test images, whether the engine (and a
 * swarm) can be used, specs that remember what to clean up, waits on Jupyter and on a backend's
 * status. Test-only.
 */
import { randomBytes } from "node:crypto";
import { seedEnvironments } from "@/db/seed";
import { executionSpec } from "@/lib/jobs/workload";
import { baseUrlOf } from "@/lib/workspaces/names";
import { workspaceSpec } from "@/lib/workspaces/workload";
import { legacyVolumeName } from "./container-spec";
import { LABEL_MANAGED, LABEL_USER } from "./kinds";
import { DockerSpawner } from "./docker";
import type { Spawner, WorkloadRef, WorkloadSpec, WorkloadStatus } from "./types";

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

/** A workspace's spec as the contract starts it, with what the test checks Jupyter with. */
export type TestSpec = WorkloadSpec & { user: string; server: string; token: string; baseUrl: string; homeVolume: string };

export interface TestSpecExtra {
  ownerId?: string;
  image?: string;
  /** The environment's command ({baseUrl} and {port} filled in). */
  command?: string[];
  cpu?: number;
  memGb?: number;
  pids?: number;
  token?: string;
  constraints?: string[];
}

/** A spec factory that records every user and workload it made, for afterAll's clean-up. */
export function specFactory() {
  const users = new Set<string>();
  const refs: WorkloadRef[] = [];
  const remember = (ref: WorkloadRef, user: string) => {
    users.add(user);
    if (!refs.some((r) => r.kind === ref.kind && r.id === ref.id)) refs.push(ref);
  };
  /** A Jupyter workspace of (user, server), built as lib/workspaces builds one. */
  function spec(user: string, server: string, extra: TestSpecExtra = {}): TestSpec {
    const token = extra.token ?? randomBytes(16).toString("hex");
    const homeVolume = legacyVolumeName(user);
    const built = workspaceSpec({
      user,
      server,
      ownerId: extra.ownerId ?? `id-${user}`,
      homeVolume,
      environment: { id: "test-env", image: extra.image ?? TEST_IMAGE, command: extra.command, constraints: extra.constraints },
      cpu: extra.cpu ?? 0.5,
      memGb: extra.memGb ?? 1,
      pids: extra.pids,
      token,
      env: { MLFLOW_TRACKING_URI: "http://host.docker.internal:3000", ATRIUM_TEST: "yes" },
    });
    remember(built.ref, user);
    return { ...built, user, server, token, baseUrl: baseUrlOf({ user, server }), homeVolume };
  }
  /** A job execution running argv in the test image, built as lib/jobs builds one. */
  function jobSpec(user: string, tag: string, argv: string[], extra: { pids?: number } = {}): WorkloadSpec {
    const id = `jex_${`${user}${tag}`.toLowerCase().replace(/[^a-z0-9]/g, "")}`.slice(0, 44);
    const owner = { id: `id-${user}`, name: user, homeVolume: legacyVolumeName(user) };
    const env = { ATRIUM_TEST: "yes" };
    const built = executionSpec({
      executionId: id,
      jobId: "job-test",
      owner,
      environment: { id: "test-env", image: TEST_IMAGE },
      argv,
      cpu: 0.5,
      memGb: 0.5,
      env,
      ...extra,
    });
    remember(built.ref, user);
    return built;
  }
  return { spec, jobSpec, users, refs };
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
  ref: WorkloadRef,
  pred: (s: WorkloadStatus) => boolean,
  timeoutMs: number,
): Promise<WorkloadStatus> {
  const t0 = Date.now();
  let s = await spawner.status(ref);
  while (!pred(s) && Date.now() - t0 < timeoutMs) {
    await new Promise((r) => setTimeout(r, 250));
    s = await spawner.status(ref);
  }
  return s;
}

/** logs() and file() of a fake Spawner that a test does not expect to be called. */
export const NO_OUTPUT: Pick<Spawner, "logs" | "file"> = {
  logs: () => Promise.reject(new Error("not used")),
  file: () => Promise.reject(new Error("not used")),
};

/** "alice/default" for a workspace's ref (id `alice_default`), as the fakes record calls. */
export function serverLabel(ref: WorkloadRef): string {
  const at = ref.id.lastIndexOf("_");
  return `${ref.id.slice(0, at)}/${ref.id.slice(at + 1)}`;
}

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
    const left = await docker.listContainers({ all: true, filters: { label: [`${LABEL_MANAGED}=true`] } });
    if (!left.some((c) => isTestUser(c.Labels[LABEL_USER] ?? ""))) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await spawner.removeIdleNetworks?.();
}

/** What `from`'s workspace reaches of each Jupyter at [host, its spec]: "jupyter" or "blocked", in order. */
export async function jupyterReach(
  spawner: Spawner,
  from: WorkloadRef,
  targets: Array<[string, Pick<TestSpec, "baseUrl">]>,
): Promise<string[]> {
  const urls = targets.map(([host, s]) => `http://${host}:8888${s.baseUrl}api`);
  return collectLines((await spawner.exec(from, ["python3", "-c", JUPYTER_REACH_PROBE, ...urls])).output);
}
