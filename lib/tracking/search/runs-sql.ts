/**
 * Compiles parsed run filters and order_by clauses (search/parse-filter.ts) to parameterised SQL. Every
 * value and every key is a bound parameter; only fixed column names and operators are spliced in.
 */
import { and, asc, desc, or, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { datasets, latestMetrics, runInputTags, runInputs, runParams, runTags, runs } from "@/db/schema";
import { orderMetric, type LeadingMetricOrder } from "@/db/queries/tracking";
import { DATASET_CONTEXT_TAG } from "../runs/inputs";
import { FilterSyntaxError, type FilterComparison, type FilterNode, type OrderByClause } from "./index";

const TRUE = sql`true`;

const RUN_COLUMNS = {
  run_id: runs.runUuid,
  run_name: runs.name,
  status: runs.status,
  user_id: runs.userId,
  artifact_uri: runs.artifactUri,
  lifecycle_stage: runs.lifecycleStage,
  start_time: runs.startTime,
  end_time: runs.endTime,
} as const;

type RunColumnName = keyof typeof RUN_COLUMNS;

function isRunColumn(key: string): key is RunColumnName {
  return Object.hasOwn(RUN_COLUMNS, key);
}

function binaryOp(op: string): SQL {
  switch (op) {
    case "=":
    case "!=":
    case "<":
    case "<=":
    case ">":
    case ">=":
      return sql.raw(op === "!=" ? "<>" : op);
    case "LIKE":
      return sql.raw("LIKE");
    case "ILIKE":
      return sql.raw("ILIKE");
    default:
      throw new Error(`not a binary operator: ${op}`);
  }
}

/** `target <op> value` for one comparison whose operand is `target` (a column or a sub-query column). */
function compare(target: AnyColumn, c: FilterComparison): SQL {
  const { op, value } = c;
  if (op === "IS NULL") return sql`${target} IS NULL`;
  if (op === "IS NOT NULL") return sql`${target} IS NOT NULL`;
  if (op === "IN" || op === "NOT IN") {
    const list = Array.isArray(value) ? value : [];
    const items = sql.join(
      list.map((v) => sql`${v}`),
      sql`, `,
    );
    return op === "IN" ? sql`${target} IN (${items})` : sql`${target} NOT IN (${items})`;
  }
  if (value === null || Array.isArray(value)) throw new Error(`bad value for ${op}`);
  return sql`${target} ${binaryOp(op)} ${value}`;
}

function compileComparison(c: FilterComparison): SQL {
  switch (c.entity) {
    case "attribute": {
      if (!isRunColumn(c.key)) throw new FilterSyntaxError(`Invalid attribute key '${c.key}'.`, 0);
      return compare(RUN_COLUMNS[c.key], c);
    }
    case "metric": {
      const has = sql`${latestMetrics.runUuid} = ${runs.runUuid} AND ${latestMetrics.key} = ${c.key}`;
      if (c.op === "IS NULL") return sql`NOT EXISTS (SELECT 1 FROM ${latestMetrics} WHERE ${has})`;
      if (c.op === "IS NOT NULL") return sql`EXISTS (SELECT 1 FROM ${latestMetrics} WHERE ${has})`;
      // A NaN latest value never satisfies a numeric comparison.
      return sql`EXISTS (SELECT 1 FROM ${latestMetrics} WHERE ${has} AND NOT ${latestMetrics.isNan} AND ${compare(latestMetrics.value, c)})`;
    }
    case "param":
    case "tag": {
      const t = c.entity === "param" ? runParams : runTags;
      const has = sql`${t.runUuid} = ${runs.runUuid} AND ${t.key} = ${c.key}`;
      if (c.op === "IS NULL") return sql`NOT EXISTS (SELECT 1 FROM ${t} WHERE ${has})`;
      if (c.op === "IS NOT NULL") return sql`EXISTS (SELECT 1 FROM ${t} WHERE ${has})`;
      // Runs without the key never match, not even `!=` (MLflow's rule).
      return sql`EXISTS (SELECT 1 FROM ${t} WHERE ${has} AND ${compare(t.value, c)})`;
    }
    case "dataset":
      return compileDatasetComparison(c);
  }
}

/**
 * `datasets.name|digest|context <op> value`: some dataset input of the run matches (context is the input's
 * mlflow.data.context tag). IS NULL means the run has no such input.
 */
function compileDatasetComparison(c: FilterComparison): SQL {
  const linked = sql`${runInputs.runUuid} = ${runs.runUuid}`;
  let exists: SQL;
  if (c.key === "context") {
    const tagged = sql`${runInputTags.inputId} = ${runInputs.id} AND ${runInputTags.key} = ${DATASET_CONTEXT_TAG}`;
    const match = c.op === "IS NULL" || c.op === "IS NOT NULL" ? sql`` : sql` AND ${compare(runInputTags.value, c)}`;
    exists = sql`EXISTS (SELECT 1 FROM ${runInputs} JOIN ${runInputTags} ON ${tagged} WHERE ${linked}${match})`;
  } else {
    const column = c.key === "digest" ? datasets.digest : datasets.name;
    const match = c.op === "IS NULL" || c.op === "IS NOT NULL" ? sql`` : sql` AND ${compare(column, c)}`;
    exists = sql`EXISTS (SELECT 1 FROM ${runInputs} JOIN ${datasets} ON ${datasets.id} = ${runInputs.datasetId} WHERE ${linked}${match})`;
  }
  return c.op === "IS NULL" ? sql`NOT ${exists}` : exists;
}

/** The WHERE condition for a parsed run filter (null: no filter). */
export function compileRunFilter(node: FilterNode | null): SQL | undefined {
  if (node === null) return undefined;
  if (node.kind === "cmp") return compileComparison(node);
  const parts = node.items.map((item) => compileRunFilter(item) ?? TRUE);
  const joined = node.kind === "and" ? and(...parts) : or(...parts);
  return joined ? sql`(${joined})` : undefined;
}

/**
 * ORDER BY terms for parsed order_by clauses, then MLflow's tiebreak (start_time DESC, run_id ASC).
 * Missing values sort last in both directions; a NaN metric sorts after every number.
 */
function compileRunOrderBy(clauses: OrderByClause[]): SQL[] {
  const out: SQL[] = [];
  const dir = (ascending: boolean) => sql.raw(ascending ? "ASC" : "DESC");
  for (const c of clauses) {
    if (c.entity === "attribute") {
      if (!isRunColumn(c.key)) throw new FilterSyntaxError(`Invalid order_by attribute '${c.key}'.`, 0);
      out.push(sql`${RUN_COLUMNS[c.key]} ${dir(c.ascending)} NULLS LAST`);
    } else if (c.entity === "metric") {
      const where = sql`${latestMetrics.runUuid} = ${runs.runUuid} AND ${latestMetrics.key} = ${c.key}`;
      out.push(sql`COALESCE((SELECT CASE WHEN ${latestMetrics.isNan} THEN 1 ELSE 0 END FROM ${latestMetrics} WHERE ${where}), 2) ASC`);
      out.push(sql`(SELECT ${latestMetrics.value} FROM ${latestMetrics} WHERE ${where}) ${dir(c.ascending)}`);
    } else {
      const t = c.entity === "param" ? runParams : runTags;
      out.push(
        sql`(SELECT ${t.value} FROM ${t} WHERE ${t.runUuid} = ${runs.runUuid} AND ${t.key} = ${c.key}) ${dir(c.ascending)} NULLS LAST`,
      );
    }
  }
  out.push(desc(runs.startTime), asc(runs.runUuid));
  return out;
}

const RANGE_OPS = new Set(["=", "<", "<=", ">", ">="]);

/**
 * Sorting for runs/search. When the first order_by clause is a metric, the query joins that metric's row and
 * orders by it (an index walk instead of a sort of every matching run); comparisons on the same metric that
 * the filter ANDs at its top level are repeated on the joined row so the walk starts at the right value.
 */
export function compileRunSort(clauses: OrderByClause[], filter: FilterNode | null): { leading?: LeadingMetricOrder; orderBy: SQL[] } {
  const [first, ...rest] = clauses;
  if (first?.entity !== "metric") return { orderBy: compileRunOrderBy(clauses) };
  const top = filter === null ? [] : filter.kind === "and" ? filter.items : [filter];
  const bounds = top.filter(
    (n): n is FilterComparison =>
      n.kind === "cmp" && n.entity === "metric" && n.key === first.key && RANGE_OPS.has(n.op) && typeof n.value === "number",
  );
  const on = bounds.length > 0 ? and(sql`NOT ${orderMetric.isNan}`, ...bounds.map((b) => compare(orderMetric.value, b))) : undefined;
  const dir = first.ascending ? asc(orderMetric.value) : desc(orderMetric.value);
  return { leading: { key: first.key, on, orderBy: [asc(orderMetric.isNan), dir] }, orderBy: compileRunOrderBy(rest) };
}

// --- experiments ---------------------------------------------------------------------------------
