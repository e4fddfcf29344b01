/**
 * The logged model search grammar (mlflow/utils/search_logged_model_utils.py), as MLflow's SQL store
 * answers it: comparisons joined by AND on attributes (`name = 'model'`, `source_run_id = '<run>'`, what
 * the client sends to resolve `runs:/<run>/model`), `metrics.<key>` (=, !=, <, <=, >, >= a number),
 * `params.<key>` and `tags.<key>` (=, !=, LIKE, ILIKE a string); order_by on an attribute or a metric's
 * latest value, optionally on one dataset.
 */
import {
  LOGGED_MODEL_FILTER_COLUMNS,
  LOGGED_MODEL_ORDER_COLUMNS,
  type LoggedModelClause,
  type LoggedModelFilterColumn,
  type LoggedModelOrder,
  type LoggedModelOrderColumn,
  type NumberOp,
  type StringOp,
} from "@/db/queries/logged-models";
import { invalidParam } from "../errors";

const CLAUSE =
  /^\s*(?:(attributes?|metrics?|params?|tags?)\.)?(`[^`]+`|[\w.-]+)\s*(<=|>=|!=|=|<|>|\bI?LIKE\b)\s*('[^']*'|"[^"]*"|[-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*$/i;
const STRING_OPS: readonly string[] = ["=", "!=", "LIKE", "ILIKE"];
const NUMBER_OPS: readonly string[] = ["=", "!=", "<", "<=", ">", ">="];

function unquote(v: string): string | undefined {
  return /^(['"]).*\1$/.test(v) ? v.slice(1, -1) : undefined;
}

function parseClause(clause: string): LoggedModelClause {
  const m = CLAUSE.exec(clause);
  const bad = (why: string) => invalidParam(`Invalid logged model filter clause '${clause.trim()}': ${why}.`);
  if (!m?.[2] || !m[3] || !m[4]) throw bad("use <entity> <comparator> <value>, e.g. metrics.acc > 0.8 or name = 'model', joined by AND");
  const entity = (m[1] ?? "attributes").toLowerCase().replace(/s$/, "");
  const key = m[2].replace(/^`|`$/g, "");
  const op = m[3].toUpperCase();
  const text = unquote(m[4]);
  if (entity === "metric") {
    const value = Number(m[4]);
    if (text !== undefined || !Number.isFinite(value)) throw bad("a metric is compared with a number");
    if (!NUMBER_OPS.includes(op)) throw bad(`a metric takes one of ${NUMBER_OPS.join(", ")}`);
    return { kind: "metric", key, op: op as NumberOp, value };
  }
  if (text === undefined) throw bad("the value must be a quoted string");
  if (!STRING_OPS.includes(op)) throw bad(`use one of ${STRING_OPS.join(", ")}`);
  if (entity === "param" || entity === "tag") return { kind: entity, key, op: op as StringOp, value: text };
  if (!Object.hasOwn(LOGGED_MODEL_FILTER_COLUMNS, key)) throw bad(`attributes are ${Object.keys(LOGGED_MODEL_FILTER_COLUMNS).join(", ")}`);
  return { kind: "attribute", column: key as LoggedModelFilterColumn, op: op as StringOp, value: text };
}

export function parseLoggedModelFilter(filter: string): LoggedModelClause[] {
  if (filter.trim() === "") return [];
  return filter.split(/\s+AND\s+/i).map(parseClause);
}

interface OrderByInput {
  field_name: string;
  ascending?: boolean | undefined;
  dataset_name?: string | undefined;
  dataset_digest?: string | undefined;
}

/** order_by entries are objects `{ field_name, ascending, dataset_name, dataset_digest }` (not strings, as for runs). */
export function parseLoggedModelOrderBy(items: OrderByInput[]): LoggedModelOrder[] {
  return items.map((item) => {
    const ascending = item.ascending ?? true;
    const metric = /^metrics\.(.+)$/.exec(item.field_name)?.[1];
    if (metric !== undefined) {
      return {
        kind: "metric",
        key: metric.replace(/^`|`$/g, ""),
        ascending,
        dataset: { name: item.dataset_name, digest: item.dataset_digest },
      };
    }
    const field = item.field_name.replace(/^attributes\./, "");
    if (!Object.hasOwn(LOGGED_MODEL_ORDER_COLUMNS, field)) {
      throw invalidParam(
        `Invalid order by field name: ${item.field_name}. Use metrics.<key> or one of ${Object.keys(LOGGED_MODEL_ORDER_COLUMNS).join(", ")}.`,
      );
    }
    return { kind: "attribute", column: field as LoggedModelOrderColumn, ascending };
  });
}
