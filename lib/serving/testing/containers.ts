/**
 * Test-only: short-lived containers of the real environment image with the hardened flags every Atrium
 * container carries, labelled so a failed run's leftovers are recognisable, removed by the caller.
 */
import type Dockerode from "dockerode";
import { DockerSpawner } from "@/lib/spawner";
import { hardenedHostConfig, hardenedTask, hardening } from "@/lib/spawner/hardening";

export const docker: Dockerode = new DockerSpawner().docker;

export interface TestContainerSpec {
  name: string;
  image: string;
  cmd: string[];
  env?: Record<string, string>;
  binds?: string[];
  network?: string;
}

export async function startContainer(spec: TestContainerSpec): Promise<Dockerode.Container> {
  const container = await docker.createContainer({
    name: spec.name,
    Image: spec.image,
    Entrypoint: [],
    Cmd: spec.cmd,
    Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { "atrium.test": "serving" },
    HostConfig: {
      ...hardenedHostConfig(hardening(256)),
      Memory: 1024 * 1024 * 1024,
      NetworkMode: spec.network ?? "bridge",
      Binds: spec.binds ?? [],
    },
  });
  await container.start();
  return container;
}

/** The engine's multiplexed log stream (8-byte frame headers) as stdout and stderr text. */
export function demux(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (let i = 0; i + 8 <= buf.length;) {
    const size = buf.readUInt32BE(i + 4);
    (buf[i] === 2 ? err : out).push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}

export async function logsOf(container: Dockerode.Container): Promise<{ stdout: string; stderr: string }> {
  const buf = await container.logs({ stdout: true, stderr: true, follow: false });
  return demux(buf);
}

/** Runs to the end (bounded by `timeoutMs`), returns the exit code and output, and removes the container. */
export async function runToEnd(spec: TestContainerSpec, timeoutMs: number): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const container = await startContainer(spec);
  try {
    const waited = (await Promise.race([
      container.wait(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`${spec.name} ran longer than ${timeoutMs} ms`)), timeoutMs).unref()),
    ])) as { StatusCode: number };
    return { exitCode: waited.StatusCode, ...(await logsOf(container)) };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Runs a command in a running container and returns its stdout. */
export async function execIn(container: Dockerode.Container, cmd: string[]): Promise<string> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", resolve);
    stream.on("error", reject);
  });
  return demux(Buffer.concat(chunks)).stdout;
}

export async function bridgeGateway(): Promise<string> {
  const info = (await docker.getNetwork("bridge").inspect()) as { IPAM?: { Config?: { Gateway?: string }[] } };
  const gateway = info.IPAM?.Config?.[0]?.Gateway;
  if (!gateway) throw new Error("the bridge network has no gateway address");
  return gateway;
}

export async function addressOf(container: Dockerode.Container): Promise<string> {
  const info = await container.inspect();
  const ip = info.NetworkSettings.Networks["bridge"]?.IPAddress;
  if (!ip) throw new Error("the container has no address on the bridge network");
  return ip;
}

/** A one-replica swarm service of the same hardened spec, never restarted; the caller removes it. */
export async function startService(spec: TestContainerSpec): Promise<Dockerode.Service> {
  const task = hardenedTask(hardening(256));
  return docker.createService({
    Name: spec.name,
    Labels: { "atrium.test": "serving" },
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.image,
        Command: spec.cmd,
        Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        ...task.containerSpec,
      },
      Resources: { Limits: { ...task.limits, MemoryBytes: 1024 * 1024 * 1024 } },
      RestartPolicy: { Condition: "none" },
    },
    Mode: { Replicated: { Replicas: 1 } },
  });
}

/** The running container of a service's task, once there is one (bounded by `timeoutMs`). */
export async function taskContainer(service: string, timeoutMs: number): Promise<Dockerode.Container> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [found] = await docker.listContainers({ filters: { label: [`com.docker.swarm.service.name=${service}`], status: ["running"] } });
    if (found) return docker.getContainer(found.Id);
    if (Date.now() > deadline) throw new Error(`the service ${service} has no running task after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
