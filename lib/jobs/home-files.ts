/**
 * What a person's home volume holds, whether or not a server of hers runs (docs/jobs.md, "Picking the file"): the job
 * form's picker lists one folder at a time, and a job is refused at create when its path names no file. One mechanism
 * for both: a one-off hardened container of the job's environment image (Spawner.runInImage: no network, small limits,
 * argv, bounded output, a deadline) with the home volume mounted read-only, running a short Python listing.
 */
import type { Db } from "@/db/client";
import { findEnvironment } from "@/db/queries/environments";
import { findUser } from "@/db/queries/users";
import { ApiError, badRequest, notFound } from "@/lib/http/api-error";
import { OutputLimitError, SpawnError, VolumeMissingError, type Spawner } from "@/lib/spawner";
import { HOME_DIR } from "@/lib/workspaces/workload";
import { insideHomeProblem } from "./paths";

/** How many entries one folder's listing shows; a larger folder says so (`truncated`). */
export const HOME_LIST_MAX_ENTRIES = 500;
/** How deep the picker goes: folders nested more deeply than this are not listed. */
export const HOME_LIST_MAX_DEPTH = 32;
/** The one-off container's deadline, start included, on a loaded engine. */
const LIST_DEADLINE_MS = 60_000;
/** One-off containers reading homes at once in this process; past it a read is refused, not queued. */
export const HOME_READS_AT_ONCE = 4;
let readsInFlight = 0;

export interface HomeEntry {
  name: string;
  kind: "folder" | "notebook" | "script";
}

export interface HomeListing {
  /** The folder listed, relative to the home ("" is the home itself). */
  dir: string;
  entries: HomeEntry[];
  /** More entries than HOME_LIST_MAX_ENTRIES; the rest are not shown. */
  truncated: boolean;
}

// Resolves the path inside the home (a symlink out of it is "outside"), then lists or tests it. Hidden names,
// symlinks and files other than .ipynb/.py are left out: a job runs only those.
const SCRIPT = `
import json, os, sys
home = os.path.realpath(${JSON.stringify(HOME_DIR)})
mode, rel, cap = sys.argv[1], sys.argv[2], int(sys.argv[3])
target = os.path.realpath(os.path.join(home, rel))
if target != home and not target.startswith(home + "/"):
    print(json.dumps({"state": "outside"})); sys.exit(0)
if mode == "stat":
    print(json.dumps({"state": "file" if os.path.isfile(target) else "folder" if os.path.isdir(target) else "missing"})); sys.exit(0)
if not os.path.isdir(target):
    print(json.dumps({"state": "missing"})); sys.exit(0)
entries, more = [], False
with os.scandir(target) as found:
    for e in found:
        if e.name.startswith("."):
            continue
        try:
            if e.is_dir(follow_symlinks=False):
                kind = "folder"
            elif e.is_file(follow_symlinks=False) and e.name.endswith((".ipynb", ".py")):
                kind = "notebook" if e.name.endswith(".ipynb") else "script"
            else:
                continue
        except OSError:
            continue
        if len(entries) >= cap:
            more = True
            break
        entries.append({"name": e.name, "kind": kind})
entries.sort(key=lambda x: (x["kind"] != "folder", x["name"].lower()))
print(json.dumps({"state": "folder", "entries": entries, "truncated": more}))
`;

type Answer = { state: "outside" | "missing" | "file" } | { state: "folder"; entries?: HomeEntry[]; truncated?: boolean };

const engineTrouble = (err: unknown) =>
  new ApiError(
    503,
    "engine_unavailable",
    `Your home folder could not be read right now${err instanceof Error ? ` (${err.message.replace(/\.$/, "")})` : ""}; try again in a minute.`,
  );

/** The owner's home volume and the image to read it with (the environment's, which the job would run in). */
async function homeOf(db: Db, owner: string, environment: string): Promise<{ volume: string; image: string }> {
  const user = await findUser(db, owner);
  if (!user) throw notFound("user_not_found", `There is no user named "${owner}".`);
  const env = await findEnvironment(db, environment);
  if (!env) throw badRequest("unknown_environment", `There is no environment "${environment}".`);
  return { volume: user.homeVolume, image: env.image };
}

async function ask(spawner: Spawner, home: { volume: string; image: string }, mode: "list" | "stat", rel: string): Promise<Answer> {
  if (readsInFlight >= HOME_READS_AT_ONCE) {
    throw new ApiError(429, "too_many_requests", "Too many home folders are being read right now; try again in a few seconds.");
  }
  readsInFlight++;
  let run;
  try {
    run = await spawner.runInImage(home.image, ["python3", "-c", SCRIPT, mode, rel, String(HOME_LIST_MAX_ENTRIES)], LIST_DEADLINE_MS, {
      volume: home.volume,
      target: HOME_DIR,
      readOnly: true,
    });
  } catch (err) {
    // No volume yet: she has never started a server, so her home is empty.
    if (err instanceof VolumeMissingError) return { state: "missing" };
    if (err instanceof SpawnError || err instanceof OutputLimitError) throw engineTrouble(err);
    throw err;
  } finally {
    readsInFlight--;
  }
  const line = run.stdout.trim().split("\n").pop() ?? "";
  if (run.exitCode !== 0 || !line.startsWith("{")) throw engineTrouble(new Error(`the listing exited with code ${run.exitCode}`));
  return JSON.parse(line) as Answer;
}

function assertDir(dir: string): void {
  if (dir === "") return;
  const problem = insideHomeProblem(dir);
  if (problem) throw badRequest("invalid_path", problem);
  if (dir.split("/").length > HOME_LIST_MAX_DEPTH) {
    throw badRequest("invalid_path", `The folder "${dir}" is nested more than ${HOME_LIST_MAX_DEPTH} deep; type the path instead.`);
  }
}

/** One folder of `owner`'s home: its subfolders, notebooks and scripts. Access is the caller's (the route's) to check. */
export async function listHomeFolder(db: Db, spawner: Spawner, owner: string, environment: string, dir: string): Promise<HomeListing> {
  assertDir(dir);
  const answer = await ask(spawner, await homeOf(db, owner, environment), "list", dir);
  if (answer.state === "outside") throw badRequest("invalid_path", `The folder "${dir}" leads outside your home folder.`);
  if (answer.state !== "folder") {
    if (dir === "") return { dir, entries: [], truncated: false };
    throw notFound("folder_not_found", `There is no folder "${dir}" in the home of ${owner}.`);
  }
  return { dir, entries: answer.entries ?? [], truncated: answer.truncated ?? false };
}

/** A 400 when the job's path names no file in `owner`'s home (its syntax is paths.ts's to check first). */
export async function assertHomeFile(db: Db, spawner: Spawner, owner: string, environment: string, path: string): Promise<void> {
  const answer = await ask(spawner, await homeOf(db, owner, environment), "stat", path);
  const what = path.endsWith(".ipynb") ? "notebook" : "script";
  if (answer.state === "outside") throw badRequest("invalid_path", `The path "${path}" leads outside the home folder.`);
  if (answer.state !== "file") {
    throw badRequest("path_not_found", `There is no ${what} at "${path}" in the home of ${owner}; create it there first or pick one.`);
  }
}
