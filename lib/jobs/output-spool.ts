/**
 * An ended execution's output, kept in a folder of the spool (`<ATRIUM_DATA_DIR>/job-spool`, so a
 * full /tmp cannot lose it and an operator knows where the bytes are) between reading it from its
 * object and storing it as the run's artifacts (execute.ts finishExecution): the object can be
 * removed before the upload, and the portal never holds a log or a notebook in memory. Both are
 * read through the spawner's bounded reader (lib/spawner/bounded-output.ts); the log is capped at
 * the log limit with the line "[atrium] log truncated at N MiB" written at the cut.
 *
 * Each folder is named `<pid>@<host>-<random>`: a portal that starts removes the folders a crashed
 * process of its own host left (its pid is gone), and any folder older than a day, which no upload
 * takes, whatever replica wrote it.
 */
import { mkdir, mkdtemp, open, readdir, readFile, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import type { ExecutionRow, JobRow } from "@/db/queries/jobs";
import { findRun } from "@/db/queries/tracking";
import { OutputLimitError, type OutputLimit } from "@/lib/spawner";
import { executionRef } from "./workload";
import { EXECUTED_NOTEBOOK, notebookArtifactName } from "./command";
import type { JobDeps } from "./execute";
import { jobKindOf } from "./paths";

const MIB = 1024 * 1024;
/** ATRIUM_JOB_LOG_MAX_MIB's default. */
export const DEFAULT_JOB_LOG_MAX_BYTES = 64 * MIB;
/** Reading an ended execution's whole log (up to its cap) from the engine. */
const FINAL_LOG_DEADLINE_MS = 120_000;
/** The executed notebook, copied out of the container when the runner could not upload it (a tar, streamed to the spool). */
export const NOTEBOOK_LIMIT: OutputLimit = {
  maxBytes: 32 * MIB,
  deadlineMs: 60_000,
  what: "The executed notebook",
  file: true,
  consequence: "it was not kept",
};
/** Lines are written in batches of up to this many bytes. */
const WRITE_BATCH = 256 * 1024;

/** A job's log read within `maxBytes` and `deadlineMs`, kept up to there and ended by the truncation line. */
export function jobLogLimit(maxBytes: number, deadlineMs: number): OutputLimit {
  return { maxBytes, deadlineMs, what: "The job", consequence: "its log was cut there", truncate: true };
}

export interface SpooledFile {
  /** The artifact's name under the run's artifacts. */
  name: string;
  path: string;
  size: number;
}

export interface SpooledOutput {
  files: SpooledFile[];
  /** Deletes the temporary folder. */
  dispose(): Promise<void>;
}

/** Writes the lines through one reused buffer: a log passes through without leaving strings behind. */
async function writeLines(lines: AsyncIterable<string>, path: string): Promise<void> {
  const out = await open(path, "w");
  try {
    const buf = Buffer.allocUnsafe(WRITE_BATCH);
    let used = 0;
    const flush = async () => {
      if (used > 0) await out.write(buf, 0, used);
      used = 0;
    };
    for await (const line of lines) {
      const need = Buffer.byteLength(line) + 1;
      if (used + need > buf.length) await flush();
      if (need > buf.length) await out.write(`${line}\n`);
      else {
        used += buf.write(line, used);
        buf[used++] = 0x0a;
      }
    }
    await flush();
  } finally {
    await out.close();
  }
}

async function appendLine(path: string, line: string): Promise<void> {
  const out = await open(path, "a");
  try {
    await out.write(`${line}\n`);
  } finally {
    await out.close();
  }
}

/**
 * The log, and for a notebook the executed notebook unless the runner uploaded it to the run
 * already (it does, from any node: lib/jobs/command.ts); read while the object still exists. What
 * cannot be read is said in the log, or in the portal's log when the log itself cannot be.
 */
export async function spoolOutput(deps: JobDeps, exec: ExecutionRow, job: JobRow | undefined): Promise<SpooledOutput> {
  let dir: string;
  try {
    await mkdir(deps.spoolDir, { recursive: true });
    dir = await mkdtemp(join(deps.spoolDir, `${process.pid}@${hostname()}-`));
  } catch (err) {
    // The execution still ends, its object is removed and its run closed; only its output is not kept.
    console.warn(`[atrium] no folder in the job spool ${deps.spoolDir} for execution ${exec.id}; its output is not kept:`, err);
    return { files: [], dispose: () => Promise.resolve() };
  }
  const files: SpooledFile[] = [];
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const log = join(dir, "job.log");
    const limit = jobLogLimit(deps.logMaxBytes ?? DEFAULT_JOB_LOG_MAX_BYTES, FINAL_LOG_DEADLINE_MS);
    await writeLines(await deps.spawner.logs(executionRef(exec.id), { follow: false, limit }), log).catch(async (err: unknown) => {
      // What was read stays, with why it stops there.
      await appendLine(log, `[atrium] the log could not be read to its end: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (job && jobKindOf(job.path) === "notebook") {
      const name = notebookArtifactName(job.path);
      const run = exec.mlflowRunId ? await findRun(deps.db, exec.mlflowRunId) : undefined;
      const uploaded = run ? (await deps.store.sizeOf(`${run.experimentId}/${run.runUuid}/artifacts/${name}`)) > 0 : false;
      const path = join(dir, "notebook.ipynb");
      const size = uploaded
        ? undefined
        : await deps.spawner.file(executionRef(exec.id), EXECUTED_NOTEBOOK, NOTEBOOK_LIMIT, path).catch(async (err: unknown) => {
            if (!(err instanceof OutputLimitError)) throw err;
            await rm(path, { force: true });
            await appendLine(log, `[atrium] ${err.message}`);
            return undefined;
          });
      if (size !== undefined) files.push({ name, path, size });
    }
    files.unshift({ name: "job.log", path: log, size: (await stat(log)).size });
  } catch (err) {
    console.warn(`[atrium] could not read the output of job execution ${exec.id}:`, err);
  }
  return { files, dispose };
}

/** Past this age a spool folder belongs to no upload under way (reading and storing take minutes). */
const LEFTOVER_AGE_MS = 24 * 60 * 60 * 1000;
const FOLDER = /^(\d+)@(.+)-[^-]+$/;

/** Whether `pid` is a live process of this host (a zombie is not). */
async function alive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return !/^State:\s+Z/m.test(status);
}

/**
 * Removes what crashed portals left in the spool (server.ts, at start): folders of this host whose
 * process is gone, and folders of any host older than a day. Returns how many it removed.
 */
export async function clearSpoolLeftovers(spoolDir: string, now = Date.now()): Promise<number> {
  const entries = await readdir(spoolDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return [] as string[];
    throw err;
  });
  let removed = 0;
  for (const name of entries) {
    const path = join(spoolDir, name);
    const match = FOLDER.exec(name);
    const pid = Number(match?.[1]);
    const orphan = match?.[2] === hostname() && pid !== process.pid && !(await alive(pid));
    const mtime = (await stat(path).catch(() => undefined))?.mtimeMs;
    if (!orphan && (mtime === undefined || now - mtime <= LEFTOVER_AGE_MS)) continue;
    await rm(path, { recursive: true, force: true });
    removed++;
  }
  return removed;
}
