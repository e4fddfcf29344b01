/**
 * AST types for the run search language (MLflow's `runs/search` filter and
 * order_by grammar, extended with OR, parentheses, IS [NOT] NULL and IN on
 * any string field).
 */

/** What a comparison looks at. Singular form of MLflow's entity prefixes. */
export type FilterEntity = "metric" | "param" | "tag" | "attribute" | "dataset";

/** Comparison operators, always normalised to upper case. */
export type FilterOp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE" | "IN" | "NOT IN" | "IS NULL" | "IS NOT NULL";

/**
 * The right-hand side of a comparison:
 * - `number` for metrics and numeric attributes (`start_time`, `end_time`),
 * - `string` for params, tags, string attributes and datasets (`=`, `!=`, `LIKE`, `ILIKE`),
 * - `string[]` (non-empty) for `IN` / `NOT IN`,
 * - `null` for `IS NULL` / `IS NOT NULL`.
 */
export type FilterValue = number | string | string[] | null;

/** A single `identifier operator value` clause. */
export interface FilterComparison {
  kind: "cmp";
  entity: FilterEntity;
  /**
   * The key with quotes removed. For attributes it is the canonical name
   * (`created` becomes `start_time`, `run name` becomes `run_name`); for
   * datasets it is `name`, `digest` or `context`.
   */
  key: string;
  op: FilterOp;
  value: FilterValue;
}

/**
 * AND / OR over two or more nodes. The parser flattens nested groups of the
 * same kind (`a AND (b AND c)` gives one `and` with three items) and never
 * produces a group with fewer than two items.
 */
interface FilterGroup {
  kind: "and" | "or";
  items: FilterNode[];
}

export type FilterNode = FilterGroup | FilterComparison;

/** Entities that can be sorted on (datasets cannot). */
type OrderByEntity = Exclude<FilterEntity, "dataset">;

/** One parsed order_by clause, e.g. `metrics.acc DESC`. */
export interface OrderByClause {
  entity: OrderByEntity;
  /** Same normalisation as {@link FilterComparison.key}. */
  key: string;
  /** `true` unless the clause ends with DESC. */
  ascending: boolean;
}

/** Value type of a run attribute. */
export type AttributeValueType = "string" | "number";
