import { eq, sql, sum } from "drizzle-orm";
import type { Db } from "../client";
import { experiments } from "../schema";

/** The project an experiment lives in (null: a personal space), or undefined when there is no such experiment. */
export async function experimentProjectId(db: Db, experimentId: number): Promise<string | null | undefined> {
  const rows = await db.select({ projectId: experiments.projectId }).from(experiments).where(eq(experiments.id, experimentId)).limit(1);
  return rows[0]?.projectId;
}

/** Artifact bytes of every experiment in the project, as counted (`experiments.artifact_bytes`). */
export async function projectStoredBytes(db: Db, projectId: string): Promise<number> {
  const rows = await db
    .select({ bytes: sum(experiments.artifactBytes) })
    .from(experiments)
    .where(eq(experiments.projectId, projectId));
  return Number(rows[0]?.bytes ?? 0);
}

/** Adds (or with a negative delta, frees) an experiment's artifact bytes; never below 0. */
export async function addExperimentBytes(db: Db, experimentId: number, delta: number): Promise<void> {
  if (delta === 0) return;
  await db
    .update(experiments)
    .set({ artifactBytes: sql`greatest(${experiments.artifactBytes} + ${delta}::bigint, 0)` })
    .where(eq(experiments.id, experimentId));
}

/** Sets every experiment's artifact bytes to what was measured; experiments not in the map store nothing. */
export async function replaceExperimentBytes(db: Db, bytesByExperiment: ReadonlyMap<number, number>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(experiments).set({ artifactBytes: 0 });
    for (const [id, bytes] of bytesByExperiment) await tx.update(experiments).set({ artifactBytes: bytes }).where(eq(experiments.id, id));
  });
}
