import { inArray, or, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { experiments, registeredModels } from "../schema";
import { grantedExperimentIds, grantedModelNames, type GrantReader } from "./resource-permissions";

/**
 * The columns of a table a list reads that say whose it is and where it lives: its owner's id (users.id),
 * its project (null: the owner's personal space), or what holds it (a run's experiment, a version's model),
 * whose readability it shares.
 */
interface OwnerColumns {
  id?: AnyColumn;
  project?: AnyColumn;
  experiment?: AnyColumn;
  registeredModel?: AnyColumn;
  /** The row's own key in MLflow's per-resource permissions: an experiment's id, a registered model's name. */
  granted?: { experiment: AnyColumn } | { registeredModel: AnyColumn };
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
  /** Her SSO groups: grants to a group reach its members (docs/projects.md, "Grants"). */
  groups?: readonly string[];
}

/** Made by her, or in one of her projects; a personal-space row (project null) is its owner's alone. */
function ownOrInProjects(member: Member, ownerId: AnyColumn | undefined, projectId: AnyColumn | undefined): SQL {
  const own = ownerId && member.userId !== undefined ? sql`${ownerId} = ${member.userId}` : undefined;
  const inProjects = projectId && member.projectIds.length > 0 ? inArray(projectId, [...member.projectIds]) : undefined;
  return or(own, inProjects) ?? sql`false`;
}

/**
 * What a member may read (lib/auth/access.ts `readableBy` when outsiders see nothing): rows she made, rows in
 * her projects, rows granted to her or her SSO groups (MLflow's per-resource permissions), and rows held by an experiment or a
 * registered model she may read. The project ids travel as parameters (a person is in few projects);
 * experiments and registered models are indexed by owner and project, and grants by person and by group, so each
 * subquery is an index scan.
 */
export function memberRows(member: Member): ReadFilter {
  const granted = (column: AnyColumn, ids: (reader: GrantReader) => SQL) =>
    member.userId === undefined ? undefined : sql`${column} in (${ids({ userId: member.userId, groups: member.groups ?? [] })})`;
  const grantedExperiment = (column: AnyColumn) => granted(column, grantedExperimentIds);
  const grantedModel = (column: AnyColumn) => granted(column, grantedModelNames);
  return (owner) => {
    const own = ownOrInProjects(member, owner.id, owner.project);
    if (owner.granted) {
      const grant =
        "experiment" in owner.granted ? grantedExperiment(owner.granted.experiment) : grantedModel(owner.granted.registeredModel);
      return or(own, grant) as SQL;
    }
    if (owner.experiment) {
      const readable = ownOrInProjects(member, experiments.ownerId, experiments.projectId);
      const held = sql`${owner.experiment} in (select ${experiments.id} from ${experiments} where ${readable})`;
      return or(own, held, grantedExperiment(owner.experiment)) as SQL;
    }
    if (owner.registeredModel) {
      const readable = ownOrInProjects(member, registeredModels.ownerId, registeredModels.projectId);
      const held = sql`${owner.registeredModel} in (select ${registeredModels.name} from ${registeredModels} where ${readable})`;
      return or(own, held, grantedModel(owner.registeredModel)) as SQL;
    }
    return own;
  };
}
