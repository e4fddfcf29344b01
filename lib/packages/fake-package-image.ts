/**
 * Test helpers: images FROM a workspace image, changed by one shell script run as root and committed
 * (no build context; no network unless asked for the host's, to reach a test index on loopback),
 * keeping the base's command and user. Remove them with the returned function.
 */
import Dockerode from "dockerode";

export interface DerivedImage {
  image: string;
  remove: () => Promise<void>;
}

export async function derivedImage(base: string, tag: string, script: string, opts: { hostNetwork?: boolean } = {}): Promise<DerivedImage> {
  const docker = new Dockerode();
  const baseConfig = (await docker.getImage(base).inspect()).Config;
  const container = await docker.createContainer({
    Image: base,
    User: "root",
    // An empty ENTRYPOINT in a commit's changes does not clear one, so override it only when the base has one.
    ...(baseConfig.Entrypoint?.length ? { Entrypoint: ["sh", "-c"], Cmd: [script] } : { Cmd: ["sh", "-c", script] }),
    ...(opts.hostNetwork ? { HostConfig: { NetworkMode: "host" } } : { NetworkDisabled: true }),
    Labels: { "atrium.purpose": "test-image-build" },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0) throw new Error(`changing ${base} into ${tag} failed with exit code ${StatusCode}`);
    const [repo, version = "latest"] = tag.split(":") as [string, string?];
    await container.commit({
      repo,
      tag: version,
      changes: [
        ...(baseConfig.Entrypoint?.length ? [`ENTRYPOINT ${JSON.stringify(baseConfig.Entrypoint)}`] : []),
        `CMD ${JSON.stringify(baseConfig.Cmd ?? [])}`,
        `USER ${baseConfig.User || "root"}`,
      ],
    });
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
  return {
    image: tag,
    remove: async () => {
      await docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    },
  };
}

/** An empty package's .dist-info in the system site-packages: `pip list`, so the image scan, reports it. */
export function fakePackageImage(base: string, tag: string, pkg: { name: string; version: string }): Promise<DerivedImage> {
  const info = `${pkg.name}-${pkg.version}.dist-info`;
  return derivedImage(
    base,
    tag,
    [
      `d="$(python3 -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")/${info}"`,
      'mkdir -p "$d"',
      `printf 'Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n' '${pkg.name}' '${pkg.version}' > "$d/METADATA"`,
      'printf "pip\\n" > "$d/INSTALLER"',
    ].join(" && "),
  );
}
