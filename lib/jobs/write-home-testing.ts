/** For tests, vitest's and Playwright's alike (it imports nothing of the portal): files written into a home volume. */
import type Dockerode from "dockerode";

/** Writes files (path relative to the home → text) into a home volume, as the image's user. */
export async function writeHomeFiles(docker: Dockerode, image: string, volume: string, files: Record<string, string>): Promise<void> {
  const code = [
    "import json, os, sys",
    "for p, t in json.loads(sys.argv[1]).items():",
    "    os.makedirs(os.path.dirname(os.path.join('/home/jovyan', p)), exist_ok=True)",
    "    open(os.path.join('/home/jovyan', p), 'w').write(t)",
  ].join("\n");
  const c = await docker.createContainer({
    Image: image,
    Entrypoint: ["python3", "-c", code, JSON.stringify(files)],
    Cmd: [],
    Labels: { "atrium.purpose": "test-write-home" },
    HostConfig: { Mounts: [{ Type: "volume", Source: volume, Target: "/home/jovyan" }] },
  });
  try {
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    if (StatusCode !== 0) throw new Error(`writing into ${volume} exited with ${StatusCode}`);
  } finally {
    await c.remove({ force: true });
  }
}
