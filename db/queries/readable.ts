import { inArray, or, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { experiments, registeredModels } from "../schema";

/**
 * The columns of a table a list reads that say whose it is and where it lives: its owner's id (users.id),
 * its project (null: the owner's personal space), or what holds it (a run's experiment, a version's model),
 * whose readability it shares.
 */
export interface OwnerColumns {
  id?: AnyColumn;
  project?: AnyColumn;
  experiment?: AnyColumn;
  registeredModel?: AnyColumn;
}

/**
 * "What this caller may read" as a WHERE condition on a table's owner columns. Every list and search
 * takes one; the rule itself is `readableBy` in lib/auth/access.ts.
 */
export type ReadFilter = (owner: OwnerColumns) => SQL;

/** Every row: for the background loops and admin-only pages, which have no caller to filter for. */
export const allRows: ReadFilter = () => sql`true`;

/** Whose rows a member sees: she made them, or they live in one of these projects (or her personal space). */
export interface Member {
  userId: string | undefined;
  projectIds: readonly string[];
}

/** Made by her, or in one of her projects; a personal-space row (project null) is its owner's alone. */
function ownOrInProjects(member: Member, ownerId: AnyColumn | undefined, projectId: AnyColumn | undefined): SQL {
  const own = ownerId && member.userId !== undefined ? sql`${ownerId} = ${member.userId}` : undefined;
  const inProjects = projectId && member.projectIds.length > 0 ? inArray(projectId, [...member.projectIds]) : undefined;
  return or(own, inProjects) ?? sql`false`;
}

/**
 * What a member may read (lib/auth/access.ts `readableBy` when outsiders see nothing): rows she made, rows in
 * her projects, and rows held by an experiment or a registered model she may read. The project ids travel
 * as parameters (a person is in few projects); experiments and registered models are indexed by owner and
 * project, so the holder's subquery is an index scan.
 */
export function memberRows(member: Member): ReadFilter {
  return (owner) => {
    const own = ownOrInProjects(member, owner.id, owner.project);
    if (owner.experiment) {
      const readable = ownOrInProjects(member, experiments.ownerId, experiments.projectId);
      return or(own, sql`${owner.experiment} in (select ${experiments.id} from ${experiments} where ${readable})`) as SQL;
    }
    if (owner.registeredModel) {
      const readable = ownOrInProjects(member, registeredModels.ownerId, registeredModels.projectId);
      return or(own, sql`${owner.registeredModel} in (select ${registeredModels.name} from ${registeredModels} where ${readable})`) as SQL;
    }
    return own;
  };
}
