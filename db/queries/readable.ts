import { sql, type AnyColumn, type SQL } from "drizzle-orm";

/** The owner column of a table a list reads: the owner's id (users.id). */
export interface OwnerColumns {
  id?: AnyColumn;
}

/**
 * "What this caller may read" as a WHERE condition on a table's owner columns. Every list and search
 * takes one; the rule itself is `readableBy` in lib/auth/access.ts.
 */
export type ReadFilter = (owner: OwnerColumns) => SQL;

/** Every row: for the background loops and admin-only pages, which have no caller to filter for. */
export const allRows: ReadFilter = () => sql`true`;
