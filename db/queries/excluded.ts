/** ON CONFLICT DO UPDATE's `set` that gives these columns the values of the row that was to be inserted. */
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable, PgUpdateSetSource } from "drizzle-orm/pg-core";

export function fromExcluded<T extends PgTable>(table: T, keys: (keyof T["$inferInsert"] & string)[]): PgUpdateSetSource<T> {
  const columns: Record<string, PgColumn> = getTableColumns(table);
  const set: Record<string, SQL> = {};
  for (const k of keys) set[k] = sql`excluded.${sql.identifier(columns[k]?.name ?? k)}`;
  return set;
}
