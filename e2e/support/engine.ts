/**
 * What the engine itself holds for a person, read straight from Docker (not through the portal), so a
 * test can check that the portal really stopped a container or gave someone a different volume.
 */
import type { APIRequestContext } from "@playwright/test";
import Dockerode from "dockerode";
import { writeHomeFiles } from "../../lib/jobs/write-home-testing";
import { asBootstrap } from "./api";

const docker = new Dockerode();

/** Containers (running or not) that carry Atrium's label for `user`. */
export async function containersOf(user: string): Promise<Dockerode.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: { label: [`atrium.managed=true`, `atrium.user=${user}`] } });
}

/** Runs argv in a container as its default user and returns the exit code and output. */
export async function execIn(containerId: string, cmd: string[]): Promise<{ code: number; output: string }> {
  const exec = await docker.getContainer(containerId).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => resolve());
    stream.on("error", reject);
  });
  const info = await exec.inspect();
  // The multiplexed stream has 8-byte frame headers; the text is enough for a test's message.
  return { code: info.ExitCode ?? -1, output: Buffer.concat(chunks).toString("latin1") };
}

/**
 * Removes the containers and volumes of `users` that a portal made (test clean-up). Only objects that
 * carry an owner id: what an older portal sharing the engine made for a namesake is not this run's.
 */
export async function removeEverythingOf(users: string[]): Promise<void> {
  if (
    !(await docker.ping().then(
      () => true,
      () => false,
    ))
  )
    return;
  for (const user of users) {
    for (const c of await containersOf(user)) {
      if (c.Labels["atrium.user-id"])
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
    }
    const { Volumes } = await docker.listVolumes({ filters: { label: [`atrium.user=${user}`, "atrium.user-id"] } });
    for (const v of Volumes ?? [])
      await docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined);
  }
}

/**
 * Writes files (path relative to the home → text) into `user`'s home volume, made with the labels a portal gives it
 * (so removeEverythingOf removes it) when she has none yet; her volume's name comes from the admin's deletion summary.
 */
export async function writeHomeOf(request: APIRequestContext, base: string, user: string, files: Record<string, string>): Promise<void> {
  const summary = await request.get(`${base}/api/users/${user}/deletion`, { headers: asBootstrap });
  if (!summary.ok()) throw new Error(`no deletion summary for ${user}: ${summary.status()} ${await summary.text()}`);
  const { homeVolume } = (await summary.json()) as { homeVolume: string };
  const id = homeVolume.replace(/^atrium-home-/, "");
  await docker.createVolume({ Name: homeVolume, Labels: { "atrium.managed": "true", "atrium.user": user, "atrium.user-id": id } });
  await writeHomeFiles(docker, "atrium-jupyterlab:1", homeVolume, files);
}
