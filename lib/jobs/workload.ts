/**
 * What makes a workload a job execution (docs/jobs.md): its ref (kind "job", id the execution's
 * id), the runner's argv in place of the image's entrypoint, the owner's home mounted and used as
 * the working directory, and the labels that name the job. How it runs to completion and how its
 * objects are named is the spawner's (lib/spawner/kinds.ts).
 */
import { LABEL_ENV, type WorkloadRef, type WorkloadSpec } from "@/lib/spawner";
import { HOME_DIR } from "@/lib/workspaces/workload";

export const LABEL_JOB = "atrium.job";

export function executionRef(executionId: string): WorkloadRef {
  return { kind: "job", id: executionId };
}

export interface ExecutionLaunch {
  executionId: string;
  jobId: string;
  owner: { id: string; name: string; homeVolume: string };
  environment: { id: string; image: string; constraints?: string[] };
  /** The runner's argv (command.ts). */
  argv: string[];
  cpu: number;
  memGb: number;
  pids?: number;
  env: Record<string, string>;
}

export function executionSpec(x: ExecutionLaunch): WorkloadSpec {
  return {
    ref: executionRef(x.executionId),
    ownerId: x.owner.id,
    ownerName: x.owner.name,
    image: x.environment.image,
    command: x.argv,
    env: x.env,
    cpu: x.cpu,
    memGb: x.memGb,
    pids: x.pids,
    mounts: [{ volume: x.owner.homeVolume, target: HOME_DIR }],
    workingDir: HOME_DIR,
    labels: { [LABEL_JOB]: x.jobId, [LABEL_ENV]: x.environment.id },
    constraints: x.environment.constraints,
  };
}
