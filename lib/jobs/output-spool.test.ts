/**
 * The spool between reading an ended execution's output and storing it (output-spool.ts), with a
 * spawner that hands out a log and a notebook: where the files go, and what a start clears. The
 * same spool against the real engine is in execution.test.ts.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import type { ExecutionRow, JobRow } from "@/db/queries/jobs";
import type { ArtifactStore } from "@/lib/artifacts/store";
import type { Spawner } from "@/lib/spawner";
import type { JobDeps } from "./execute";
import { clearSpoolLeftovers, spoolOutput } from "./output-spool";

let root = "";
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "atrium-spool-test-"));
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function* lines(...text: string[]): AsyncIterable<string> {
  yield* text;
}

describe("spoolOutput", () => {
  it("keeps the log and the copied notebook in a folder of the spool under the data dir, and removes it after", async () => {
    const spoolDir = join(root, "data", "job-spool");
    const copiedTo: string[] = [];
    const spawner = {
      logs: () => Promise.resolve(lines("hello", "world")),
      file: async (_ref: unknown, _path: string, _limit: unknown, dest: string) => {
        copiedTo.push(dest);
        await writeFile(dest, '{"cells": []}');
        return 13;
      },
    } as Partial<Spawner> as Spawner;
    const deps: JobDeps = { db: {} as Db, spawner, store: {} as ArtifactStore, spoolDir };
    const exec = { id: "jex_1", mlflowRunId: null } as Partial<ExecutionRow> as ExecutionRow;
    const job = { path: "report.ipynb" } as Partial<JobRow> as JobRow;
    const out = await spoolOutput(deps, exec, job);
    expect(out.files.map((f) => [f.name, f.size])).toEqual([
      ["job.log", "hello\nworld\n".length],
      ["report.ipynb", 13],
    ]);
    const [folder] = await readdir(spoolDir);
    expect(folder).toMatch(new RegExp(`^${process.pid}@${hostname().replace(/\./g, "\\.")}-`));
    for (const f of out.files) expect(dirname(f.path)).toBe(join(spoolDir, folder ?? ""));
    expect(copiedTo).toEqual([join(spoolDir, folder ?? "", "notebook.ipynb")]);
    expect(await readFile(out.files[0]?.path ?? "", "utf8")).toBe("hello\nworld\n");
    await out.dispose();
    expect(await readdir(spoolDir)).toEqual([]);
  });
});

describe("clearSpoolLeftovers", () => {
  it("removes the folders of this host's dead processes and any folder older than a day, nothing else", async () => {
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const host = hostname();
    const now = Date.now();
    const dayAndMore = new Date(now - 25 * 60 * 60 * 1000);
    const folders = {
      crashed: `${dead}@${host}-aaaaaa`,
      mine: `${process.pid}@${host}-bbbbbb`,
      otherReplica: `1@other-replica-cccccc`,
      otherReplicaOld: `1@other-replica-dddddd`,
      strayOld: "notes",
    };
    for (const name of Object.values(folders)) {
      await mkdir(join(root, name));
      await writeFile(join(root, name, "job.log"), "x");
    }
    for (const name of [folders.otherReplicaOld, folders.strayOld]) await utimes(join(root, name), dayAndMore, dayAndMore);
    expect(await clearSpoolLeftovers(root, now)).toBe(3);
    expect((await readdir(root)).sort()).toEqual([folders.mine, folders.otherReplica].sort());
  });

  it("is content with a spool that does not exist yet", async () => {
    expect(await clearSpoolLeftovers(join(root, "none"))).toBe(0);
  });
});
