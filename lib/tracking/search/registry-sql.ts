/**
 * Filters and order_by for registered-models/search and model-versions/search (docs/mlflow-rest.md §5),
 * over the attributes and tags declared here (attribute-filter-sql.ts compiles them).
 */
import { asc, desc, sql, type SQL } from "drizzle-orm";
import { modelVersionTags, modelVersions, registeredModelTags, registeredModels } from "@/db/schema";
import { compileAttributeFilter, compileOrderBy, opSql, type FilterTarget } from "./attribute-filter-sql";
import { FilterSyntaxError } from "./lexer";

/** The tag MLflow 3 uses to mark prompts; a model without it counts as `'false'`. */
export const PROMPT_TAG = "mlflow.prompt.is_prompt";

const MODEL_TARGET: FilterTarget = {
  what: "registered model",
  fields: { name: { column: registeredModels.name, kind: "string" } },
  tag: (key, op, value) =>
    key === PROMPT_TAG
      ? sql`COALESCE((SELECT ${registeredModelTags.value} FROM ${registeredModelTags} WHERE ${registeredModelTags.name} = ${registeredModels.name} AND ${registeredModelTags.key} = ${key}), 'false') ${op} ${value}`
      : sql`EXISTS (SELECT 1 FROM ${registeredModelTags} WHERE ${registeredModelTags.name} = ${registeredModels.name} AND ${registeredModelTags.key} = ${key} AND ${registeredModelTags.value} ${op} ${value})`,
};

const VERSION_TARGET: FilterTarget = {
  what: "model version",
  fields: {
    name: { column: modelVersions.name, kind: "string" },
    run_id: { column: modelVersions.runId, kind: "string", lists: true },
    source_path: { column: modelVersions.source, kind: "string" },
    version_number: { column: modelVersions.version, kind: "number" },
  },
  tag: (key, op, value) => {
    const has = sql`${modelVersionTags.name} = ${modelVersions.name} AND ${modelVersionTags.version} = ${modelVersions.version} AND ${modelVersionTags.key} = ${key}`;
    return key === PROMPT_TAG
      ? sql`COALESCE((SELECT ${modelVersionTags.value} FROM ${modelVersionTags} WHERE ${has}), 'false') ${op} ${value}`
      : sql`EXISTS (SELECT 1 FROM ${modelVersionTags} WHERE ${has} AND ${modelVersionTags.value} ${op} ${value})`;
  },
};

/** WHERE for registered-models/search; prompts (MLflow 3) are hidden unless the filter asks about them. */
export function compileRegisteredModelFilter(input: string): SQL {
  const hidePrompts = MODEL_TARGET.tag(PROMPT_TAG, opSql("!="), "true");
  const { where, tags } = compileAttributeFilter(input, MODEL_TARGET);
  if (!where) return hidePrompts;
  return tags.has(PROMPT_TAG) ? where : sql`(${where}) AND ${hidePrompts}`;
}

/** WHERE for model-versions/search (undefined: no filter). */
export function compileModelVersionFilter(input: string): SQL | undefined {
  return compileAttributeFilter(input, VERSION_TARGET).where;
}

const MODEL_ORDER = {
  name: registeredModels.name,
  timestamp: registeredModels.lastUpdatedTime,
  last_updated_timestamp: registeredModels.lastUpdatedTime,
  creation_timestamp: registeredModels.creationTime,
} as const;

/** Registered models: the given clauses, then name ASC (MLflow's default and tiebreak). */
export function compileRegisteredModelOrderBy(clauses: string[]): SQL[] {
  const out = compileOrderBy(clauses, MODEL_ORDER, "Registered models").map((c) => (c.ascending ? asc(c.column) : desc(c.column)));
  out.push(asc(registeredModels.name));
  return out;
}

const VERSION_ORDER = {
  name: modelVersions.name,
  version_number: modelVersions.version,
  creation_timestamp: modelVersions.creationTime,
  last_updated_timestamp: modelVersions.lastUpdatedTime,
  timestamp: modelVersions.lastUpdatedTime,
} as const;

const DEFAULT_VERSION_ORDER = ["last_updated_timestamp DESC", "name ASC", "version_number DESC"];

/**
 * Model versions as MLflow's SQL store orders them (mlflow/store/model_registry/sqlalchemy_store.py,
 * _parse_search_model_versions_order_by): the given clauses (or last_updated_timestamp DESC, name ASC,
 * version_number DESC without any), then name ASC and version_number DESC for whichever was not given.
 * So `version_number ASC` breaks ties by name, not by update time.
 */
export function compileModelVersionOrderBy(clauses: string[]): SQL[] {
  const parsed = compileOrderBy(clauses.length > 0 ? clauses : DEFAULT_VERSION_ORDER, VERSION_ORDER, "Model versions");
  const seen = new Set(parsed.map((c) => c.column));
  if (seen.size < parsed.length)
    throw new FilterSyntaxError(`\`order_by\` contains duplicate fields: [${clauses.map((c) => `'${c}'`).join(", ")}]`, 0);
  const out = parsed.map((c) => (c.ascending ? asc(c.column) : desc(c.column)));
  if (!seen.has(modelVersions.name)) out.push(asc(modelVersions.name));
  if (!seen.has(modelVersions.version)) out.push(desc(modelVersions.version));
  return out;
}
