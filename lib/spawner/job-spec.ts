/**
 * What both backends put on a job execution's object (docs/jobs.md): its name, its labels and the
 * checks before the engine is asked. The labels carry atrium.managed like a workspace's, so a
 * person's objects are found together, and atrium.kind=job without atrium.server, so the workspace
 * reconcile (WorkloadSpawner.list) never takes one for a server.
 */
import { HOME_DIR, LABEL_ENV, LABEL_MANAGED, LABEL_USER, LABEL_USER_ID, envList, validateName } from "./container-spec";
import { hardening } from "./hardening";
import type { JobSpec } from "./types";

export const LABEL_KIND = "atrium.kind";
export const LABEL_JOB = "atrium.job";
export const LABEL_EXECUTION = "atrium.execution";
export const JOB_KIND = "job";
export const JOB_WORKDIR = HOME_DIR;

const EXECUTION_ID_RE = /^jex_[a-z0-9]{8,40}$/;

export function jobObjectName(executionId: string): string {
  if (!EXECUTION_ID_RE.test(executionId)) throw new TypeError(`"${executionId}" is not an execution id.`);
  return `atrium-job-${executionId.replace("_", "-")}`;
}

export function jobObjectLabels(spec: JobSpec): Record<string, string> {
  return {
    [LABEL_MANAGED]: "true",
    [LABEL_KIND]: JOB_KIND,
    [LABEL_USER]: spec.user,
    [LABEL_USER_ID]: spec.userId,
    [LABEL_JOB]: spec.jobId,
    [LABEL_EXECUTION]: spec.executionId,
    [LABEL_ENV]: spec.environment,
  };
}

/**
 * The last line an execution's runner prints when its container's memory cgroup counted an
 * out-of-memory kill (lib/jobs/command.ts): the swarm reads it from the service's log, since a
 * task's status has the exit code but not the engine's OOMKilled.
 */
export const OOM_LOG_LINE = "[atrium] out of memory: the kernel killed a process at the memory limit";

export const JOB_LIST_FILTER = [`${LABEL_MANAGED}=true`, `${LABEL_KIND}=${JOB_KIND}`];

export function isJobLabelled(labels: Record<string, string> | undefined): boolean {
  return labels?.[LABEL_KIND] === JOB_KIND;
}

export function validateJobSpec(spec: JobSpec): void {
  jobObjectName(spec.executionId);
  validateName("user", spec.user);
  validateName("home volume", spec.homeVolume);
  if (!Array.isArray(spec.argv) || spec.argv.length === 0 || spec.argv.some((a) => typeof a !== "string" || a.includes("\0"))) {
    throw new TypeError("A job needs a non-empty argv array of strings without NUL.");
  }
  if (!Number.isFinite(spec.cpu) || spec.cpu <= 0) throw new TypeError(`cpu must be a positive number of cores, not ${spec.cpu}.`);
  if (!Number.isFinite(spec.memGb) || spec.memGb <= 0) throw new TypeError(`memGb must be a positive number of GiB, not ${spec.memGb}.`);
  hardening(spec.pids);
  envList(spec.env);
}
