import type { OutputLimit } from "./bounded-output";
import type { JobSpec, JobStatus, ListedJob } from "./types";

/** What a backend does with a job execution's object; WorkloadSpawner exposes it as the Spawner's job methods. */
export interface JobRunner {
  start(spec: JobSpec): Promise<void>;
  status(executionId: string): Promise<JobStatus>;
  /** Its output lines within `limit`; `follow` reads until the execution ends. No lines when there is no object. */
  logs(executionId: string, follow: boolean, limit: OutputLimit): Promise<AsyncIterable<string>>;
  /** A file from the execution's filesystem copied to `dest`, where the backend can reach it, within `limit`; its size, else undefined. */
  file(executionId: string, path: string, limit: OutputLimit, dest: string): Promise<number | undefined>;
  remove(executionId: string): Promise<void>;
  list(): Promise<ListedJob[]>;
}

/** No lines: the log of an execution that has no object (never started, or removed). */
export async function* noLines(): AsyncIterable<string> {}
