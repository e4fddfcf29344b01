/**
 * A project's storage budget (docs/projects.md, "Allowances"): the artifact bytes of its experiments' runs and
 * logged models in the artifact store, at most `projects.max_storage_gb` GiB. Each experiment counts its own bytes
 * (`experiments.artifact_bytes`) as uploads and deletes happen, beside the per-person count (lib/quota/storage.ts),
 * so moving an experiment moves its bytes and the project's use is one indexed sum. An upload is judged twice: by
 * its declared length before a byte is staged, then, with the project's row locked, when it becomes the file, so
 * two uploads into one project are counted one at a time; a refusal keeps nothing of the upload.
 */
import type { Db } from "@/db/client";
import { addExperimentBytes, experimentProjectId, projectStoredBytes } from "@/db/queries/project-storage";
import { findProjectById, lockProject, type ProjectRow } from "@/db/queries/projects";
import { formatBytes } from "@/lib/quota/bytes";

const GIB = 1024 ** 3;

/** Thrown when an upload would take its project's artifacts past the project's storage budget. */
export class ProjectStorageExceeded extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProjectStorageExceeded";
  }
}

/** Why `addBytes` more do not fit the project's budget, in one sentence naming the project and the limit; null when they do. */
export function projectStorageRefusal(
  project: Pick<ProjectRow, "name" | "maxStorageGb">,
  storedBytes: number,
  addBytes: number,
): string | null {
  if (project.maxStorageGb === null || addBytes <= 0) return null;
  const limit = Math.floor(project.maxStorageGb * GIB);
  if (storedBytes + addBytes <= limit) return null;
  return `Project "${project.name}" allows ${formatBytes(limit)} of artifact storage; its runs and models store ${formatBytes(storedBytes)} and this upload adds ${formatBytes(addBytes)}; delete artifacts or ask an admin to raise its allowance.`;
}

async function projectOf(db: Db, experimentId: number, lock: boolean): Promise<ProjectRow | undefined> {
  const projectId = await experimentProjectId(db, experimentId);
  if (!projectId) return undefined;
  return lock ? lockProject(db, projectId) : findProjectById(db, projectId);
}

/** Refuses at once an upload whose declared new bytes cannot fit its experiment's project, before anything is staged. */
export async function expectProjectStorage(db: Db, experimentId: number, addBytes: number | undefined): Promise<void> {
  if (addBytes === undefined || addBytes <= 0) return;
  const project = await projectOf(db, experimentId, false);
  if (!project || project.maxStorageGb === null) return;
  const refusal = projectStorageRefusal(project, await projectStoredBytes(db, project.id), addBytes);
  if (refusal) throw new ProjectStorageExceeded(refusal);
}

/**
 * Counts `delta` bytes (negative: freed) for the experiment, inside the transaction that makes or removes the
 * file. Growth is judged against its project's budget with the project's row locked (after the owner's storage
 * row, always in that order); past it, ProjectStorageExceeded and the caller's transaction keeps nothing.
 */
export async function chargeProjectStorage(tx: Db, experimentId: number, delta: number): Promise<void> {
  if (delta > 0) {
    const project = await projectOf(tx, experimentId, true);
    if (project && project.maxStorageGb !== null) {
      const refusal = projectStorageRefusal(project, await projectStoredBytes(tx, project.id), delta);
      if (refusal) throw new ProjectStorageExceeded(refusal);
    }
  }
  await addExperimentBytes(tx, experimentId, delta);
}
