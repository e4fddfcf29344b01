/**
 * An ended execution's output, kept in a temporary folder between reading it from its object and
 * storing it as the run's artifacts (execute.ts finishExecution): the object can be removed before
 * the upload, and the portal never holds a log in memory. The log is read through the spawner's
 * bounded reader (lib/spawner/bounded-output.ts), capped at the log limit with the line
 * "[atrium] log truncated at N MiB" written at the cut.
 */
import { mkdtemp, open, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
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
/** The executed notebook, copied out of the container when the runner could not upload it (a tar, read whole). */
const NOTEBOOK_LIMIT: OutputLimit = {
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
  const dir = await mkdtemp(join(tmpdir(), "atrium-job-"));
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
      const nb = uploaded
        ? undefined
        : await deps.spawner.file(executionRef(exec.id), EXECUTED_NOTEBOOK, NOTEBOOK_LIMIT).catch(async (err: unknown) => {
            if (!(err instanceof OutputLimitError)) throw err;
            await appendLine(log, `[atrium] ${err.message}`);
            return undefined;
          });
      if (nb) {
        const path = join(dir, "notebook.ipynb");
        await writeFile(path, nb);
        files.push({ name, path, size: nb.length });
      }
    }
    files.unshift({ name: "job.log", path: log, size: (await stat(log)).size });
  } catch (err) {
    console.warn(`[atrium] could not read the output of job execution ${exec.id}:`, err);
  }
  return { files, dispose };
}
