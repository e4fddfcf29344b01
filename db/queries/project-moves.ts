/** SQL for moving an experiment, registered model, job or endpoint between projects (lib/projects/move.ts). */
import { and, eq, isNull, type AnyColumn, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { experiments, jobs, registeredModels, servingEndpoints } from "../schema";

/** What moves, by the key its table is addressed by; a run, trace, logged model or version follows what holds it. */
export type MovedRow =
  | { kind: "experiment"; id: number }
  | { kind: "registered_model"; name: string }
  | { kind: "job"; id: string }
  | { kind: "endpoint"; name: string };

/** `project_id` still `from`: the project the caller's right to move it was judged in. */
const stillIn = (column: AnyColumn, from: string | null): SQL => (from === null ? isNull(column) : eq(column, from));

/**
 * Sets the row's project (null: its owner's personal space) when it is still in `from`; false when it moved
 * meanwhile (or is gone), and then nothing changes.
 */
export async function setProjectOf(db: Db, row: MovedRow, from: string | null, to: string | null): Promise<boolean> {
  const set = { projectId: to };
  let moved: unknown[];
  switch (row.kind) {
    case "experiment":
      moved = await db
        .update(experiments)
        .set(set)
        .where(and(eq(experiments.id, row.id), stillIn(experiments.projectId, from)))
        .returning({ id: experiments.id });
      break;
    case "registered_model":
      moved = await db
        .update(registeredModels)
        .set(set)
        .where(and(eq(registeredModels.name, row.name), stillIn(registeredModels.projectId, from)))
        .returning({ name: registeredModels.name });
      break;
    case "job":
      moved = await db
        .update(jobs)
        .set({ ...set, updatedAt: new Date() })
        .where(and(eq(jobs.id, row.id), stillIn(jobs.projectId, from)))
        .returning({ id: jobs.id });
      break;
    case "endpoint":
      moved = await db
        .update(servingEndpoints)
        .set({ ...set, updatedAt: new Date() })
        .where(and(eq(servingEndpoints.name, row.name), stillIn(servingEndpoints.projectId, from)))
        .returning({ name: servingEndpoints.name });
      break;
  }
  return moved.length > 0;
}
