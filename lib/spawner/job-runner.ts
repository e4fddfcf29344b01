import type { JobSpec, JobStatus, ListedJob } from "./types";

/** What a backend does with a job execution's object; WorkloadSpawner exposes it as the Spawner's job methods. */
export interface JobRunner {
  start(spec: JobSpec): Promise<void>;
  status(executionId: string): Promise<JobStatus>;
  /** The execution's container on the engine the portal talks to (for its log and files); undefined when none is here. */
  localContainer(executionId: string): Promise<string | undefined>;
  remove(executionId: string): Promise<void>;
  list(): Promise<ListedJob[]>;
}
