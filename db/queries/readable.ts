import { sql, type AnyColumn, type SQL } from "drizzle-orm";

/** The owner columns of a table a list reads: by id, or by name. */
export interface OwnerColumns {
  id?: AnyColumn;
  name?: AnyColumn;
}

/**
 * "What this caller may read" as a WHERE condition on a table's owner columns. Every list and search
 * takes one; the rule itself is `readableBy` in lib/auth/access.ts.
 */
export type ReadFilter = (owner: OwnerColumns) => SQL;

/** Every row: for the background loops and admin-only pages, which have no caller to filter for. */
export const allRows: ReadFilter = () => sql`true`;
