/**
 * The part of MLflow 3's logged model search grammar Atrium answers: attribute equalities joined by AND
 * (`name = 'model' AND source_run_id = '<run>'`, what the client sends to resolve `runs:/<run>/model`),
 * and order_by on the creation time, update time or name.
 */
import {
  LOGGED_MODEL_FILTER_COLUMNS,
  LOGGED_MODEL_ORDER_COLUMNS,
  type LoggedModelFilterColumn,
  type LoggedModelOrderColumn,
} from "@/db/queries/logged-models";
import { invalidParam } from "../errors";

export interface LoggedModelEquality {
  column: LoggedModelFilterColumn;
  value: string;
}

const CLAUSE = /^\s*(?:attributes\.)?`?([a-z_]+)`?\s*=\s*(?:'([^']*)'|"([^"]*)")\s*$/i;

export function parseLoggedModelFilter(filter: string): LoggedModelEquality[] {
  if (filter.trim() === "") return [];
  return filter.split(/\s+AND\s+/i).map((clause) => {
    const m = CLAUSE.exec(clause);
    const column = m?.[1]?.toLowerCase();
    if (!m || column === undefined || !Object.hasOwn(LOGGED_MODEL_FILTER_COLUMNS, column)) {
      throw invalidParam(
        `Invalid logged model filter clause '${clause.trim()}': use <attribute> = '<value>' with one of ${Object.keys(LOGGED_MODEL_FILTER_COLUMNS).join(", ")}, joined by AND.`,
      );
    }
    return { column: column as LoggedModelFilterColumn, value: m[2] ?? m[3] ?? "" };
  });
}

/** order_by entries are objects `{ field_name, ascending }` in SearchLoggedModels (not strings, as for runs). */
export function parseLoggedModelOrderBy(
  items: { field_name: string; ascending?: boolean | undefined }[],
): { column: LoggedModelOrderColumn; ascending: boolean }[] {
  return items.map((item) => {
    const field = item.field_name.replace(/^attributes\./, "");
    if (!Object.hasOwn(LOGGED_MODEL_ORDER_COLUMNS, field)) {
      throw invalidParam(
        `Invalid order_by field '${field}' for logged models: use one of ${Object.keys(LOGGED_MODEL_ORDER_COLUMNS).join(", ")}.`,
      );
    }
    return { column: field as LoggedModelOrderColumn, ascending: item.ascending ?? true };
  });
}
