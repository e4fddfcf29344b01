/**
 * Installs a package into a running workspace: pip runs inside the container through the spawner's
 * exec, its output is streamed line by line, and the result is written to the audit log whether or
 * not anyone is still watching.
 */
import type { Db } from "@/db/client";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import type { OutputLimit, Spawner } from "@/lib/spawner";
import { indexNotConfigured } from "./errors";
import { normalizeName } from "./names";
import { pipInstallArgv, requirementOf } from "./pip-argv";
import type { InstallRequest } from "./schemas";
import { workspaceRef } from "@/lib/workspaces/workload";
import { findEnvironment } from "@/db/queries/environments";
import type { PackageCatalog } from "./catalog";
import { assertVersionFits, pythonOfImage } from "./workspace-python";
import { execError, requireRunningWorkspace } from "./workspace-target";

export type InstallEvent =
  | { type: "start"; requirement: string; command: string }
  | { type: "line"; line: string }
  | {
      type: "done";
      ok: boolean;
      exitCode: number;
      message: string;
      installedVersion?: string;
      /** False when pip created the user site folder: kernels started before it do not look there. */
      runningKernelsSeeIt?: boolean;
    };

/**
 * Python puts the user site folder (~/.local/lib/python3.X/site-packages, where PIP_USER installs go)
 * on sys.path only if it exists when the interpreter starts. Atrium's JupyterLab image creates it at
 * start (scripts/workspace-image/lab/start.sh); other images may not, and then the first install
 * creates it behind the back of every running kernel.
 */
const USER_SITE_EXISTS_ARGV = ["python3", "-c", "import os, site; print(os.path.isdir(site.getusersitepackages()))"];
const USER_SITE_LIMIT: OutputLimit = {
  maxBytes: 64 * 1024,
  deadlineMs: 30_000,
  what: "Python",
  consequence: "the user site was not checked",
};
/**
 * pip's output is streamed to the person, never kept whole; the cap and deadline keep an install
 * nobody watches any more (pip carries on after a closed tab) from being read for ever.
 */
const PIP_INSTALL_LIMIT: OutputLimit = {
  maxBytes: 32 * 1024 * 1024,
  deadlineMs: 30 * 60_000,
  what: "pip",
  consequence: "the rest of the install's output was not read",
};

async function userSiteExists(spawner: Spawner, user: string, server: string): Promise<boolean> {
  try {
    const exec = await spawner.exec(workspaceRef({ user, server }), USER_SITE_EXISTS_ARGV, { limit: USER_SITE_LIMIT });
    let answer = "";
    for await (const line of exec.output) answer ||= line.trim();
    return (await exec.exitCode) === 0 && answer === "True";
  } catch {
    return false; // unknown: the panel then advises a kernel restart, which is never wrong
  }
}

/**
 * Checks everything that can be checked before pip runs (the workspace is running, the index is set,
 * pip starts) and throws ApiErrors for those; then returns the stream of pip's output.
 */
export async function startInstall(
  db: Db,
  spawner: Spawner,
  actor: Principal,
  user: string,
  server: string,
  req: InstallRequest,
  indexUrl: string | undefined,
  /** The portal's view of the index: a pinned version that cannot fit the workspace's Python is refused before pip runs. */
  catalog?: PackageCatalog,
): Promise<AsyncIterable<InstallEvent>> {
  const row = await requireRunningWorkspace(db, actor, user, server);
  if (!indexUrl) throw indexNotConfigured();
  if (catalog && req.version) await refuseUnfitVersion(db, spawner, catalog, row, req.name, req.version, `${user}/${server}`);
  const argv = pipInstallArgv(req.name, req.version, indexUrl);
  const requirement = requirementOf(req.name, req.version);
  const siteExisted = await userSiteExists(spawner, user, server);
  let exec: Awaited<ReturnType<Spawner["exec"]>>;
  try {
    exec = await spawner.exec(workspaceRef({ user, server }), argv, { limit: PIP_INSTALL_LIMIT });
  } catch (err) {
    throw execError(err, user, server);
  }
  return installEvents(db, actor, user, server, req, requirement, argv, exec, siteExisted);
}

async function refuseUnfitVersion(
  db: Db,
  spawner: Spawner,
  catalog: PackageCatalog,
  row: { imageId: string | null; environmentId: string },
  name: string,
  version: string,
  where: string,
): Promise<void> {
  // An index or scan that does not answer refuses nothing: pip then says what it finds.
  const pkg = await catalog.get(name).catch(() => null);
  const image = row.imageId ?? (await findEnvironment(db, row.environmentId))?.image;
  const target = pkg && image ? await pythonOfImage(db, spawner, image) : null;
  if (pkg && target) assertVersionFits(pkg, version, target, where);
}

async function* installEvents(
  db: Db,
  actor: Principal,
  user: string,
  server: string,
  req: InstallRequest,
  requirement: string,
  argv: string[],
  exec: Awaited<ReturnType<Spawner["exec"]>>,
  siteExisted: boolean,
): AsyncGenerator<InstallEvent> {
  let finished = false;
  const lines: string[] = [];
  const audit = (exitCode: number, installedVersion: string | undefined) =>
    recordAudit(db, {
      actor: actor.name,
      action: "package.install",
      target: `${user}/${server}`,
      detail: { package: req.name, version: req.version ?? null, installedVersion: installedVersion ?? null, exitCode, ok: exitCode === 0 },
    });
  try {
    yield { type: "start", requirement, command: argv.slice(0, 4).join(" ").replace("python3 -m ", "") + ` ${requirement}` };
    for await (const line of exec.output) {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      yield { type: "line", line };
    }
    const exitCode = await exec.exitCode;
    const installedVersion = installedVersionOf(lines, req.name);
    await audit(exitCode, installedVersion);
    finished = true;
    const done: InstallEvent = {
      type: "done",
      ok: exitCode === 0,
      exitCode,
      message: resultSentence(exitCode, lines, requirement, user, server, installedVersion),
    };
    if (installedVersion) done.installedVersion = installedVersion;
    if (exitCode === 0) done.runningKernelsSeeIt = siteExisted;
    yield done;
  } catch (err) {
    if (!finished) {
      finished = true;
      await audit(-1, undefined).catch(() => undefined);
      yield {
        type: "done",
        ok: false,
        exitCode: -1,
        message: `The install was cut off: ${err instanceof Error ? err.message : String(err)}`,
      };
    }
  } finally {
    if (!finished) {
      // The watcher went away (tab closed): pip keeps running in the workspace; record how it ends.
      void exec.exitCode
        .then(
          (code) => audit(code, undefined),
          () => audit(-1, undefined),
        )
        .catch((e: unknown) => console.error("[atrium] could not record a package install:", e));
    }
  }
}

/** "Successfully installed atrium-demo-pkg-1.1.0 other-2.0" → "1.1.0" for atrium_demo.pkg. */
function installedVersionOf(lines: string[], name: string): string | undefined {
  const want = normalizeName(name);
  for (const line of lines) {
    const m = /^Successfully installed (.+)$/.exec(line.trim());
    if (!m?.[1]) continue;
    for (const token of m[1].split(/\s+/)) {
      const i = token.lastIndexOf("-");
      if (i > 0 && normalizeName(token.slice(0, i)) === want) return token.slice(i + 1);
    }
  }
  for (const line of lines) {
    const m = /^Requirement already satisfied: (\S+?)(?:==\S+)? in .* \(([^)]+)\)$/.exec(line.trim());
    if (m?.[1] && m[2] && normalizeName(m[1]) === want) return m[2];
  }
  return undefined;
}

function resultSentence(
  exitCode: number,
  lines: string[],
  requirement: string,
  user: string,
  server: string,
  version: string | undefined,
): string {
  const where = `${user}/${server}`;
  if (exitCode === 0) {
    if (lines.some((l) => l.startsWith("Requirement already satisfied")))
      return `${requirement} was already installed in ${where}${version ? ` (${version})` : ""}.`;
    return `Installed ${requirement}${version && !requirement.includes("==") ? ` ${version}` : ""} into ${where}.`;
  }
  const error = [...lines].reverse().find((l) => l.startsWith("ERROR:"));
  return `pip failed with exit code ${exitCode}${error ? `: ${error.replace(/^ERROR:\s*/, "").replace(/\.?$/, ".")}` : "."}`;
}
