/**
 * Experiment filters and order_by (docs/mlflow-rest.md §5): `name`, `creation_time`, `last_update_time`
 * (optionally prefixed `attribute.`) and `tags.<key>`; strings take = != LIKE ILIKE, times numeric comparators.
 */
import { asc, desc, sql, type SQL } from "drizzle-orm";
import { experimentTags, experiments } from "@/db/schema";
import { compileAttributeFilter, compileOrderBy, type FilterTarget } from "./attribute-filter-sql";

const EXPERIMENT_TARGET: FilterTarget = {
  what: "experiment",
  fields: {
    name: { column: experiments.name, kind: "string" },
    creation_time: { column: experiments.creationTime, kind: "number" },
    last_update_time: { column: experiments.lastUpdateTime, kind: "number" },
  },
  tag: (key, op, value) =>
    sql`EXISTS (SELECT 1 FROM ${experimentTags} WHERE ${experimentTags.experimentId} = ${experiments.id} AND ${experimentTags.key} = ${key} AND ${experimentTags.value} ${op} ${value})`,
};

export const compileExperimentFilter = (input: string): SQL | undefined => compileAttributeFilter(input, EXPERIMENT_TARGET).where;

const EXPERIMENT_ORDER = {
  name: experiments.name,
  experiment_id: experiments.id,
  creation_time: experiments.creationTime,
  last_update_time: experiments.lastUpdateTime,
} as const;

/** The given clauses, then creation_time DESC, experiment_id ASC. */
export function compileExperimentOrderBy(clauses: string[]): SQL[] {
  const out = compileOrderBy(clauses, EXPERIMENT_ORDER, "Experiments").map((c) => (c.ascending ? asc(c.column) : desc(c.column)));
  out.push(desc(experiments.creationTime), asc(experiments.id));
  return out;
}
