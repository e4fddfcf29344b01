/** Column and table builders for the shapes db/schema.ts repeats; the SQL they make is what the migrations hold. */
import type { NotNull } from "drizzle-orm";
import {
  bigint,
  pgTable,
  primaryKey,
  text,
  timestamp,
  type PgColumn,
  type PgColumnBuilderBase,
  type UpdateDeleteAction,
} from "drizzle-orm/pg-core";

/** A timestamp with time zone (a Date in TypeScript). */
export const timestampTz = (name: string) => timestamp(name, { withTimezone: true });
/** Set by the database when the row is inserted; `updated_at` is then moved by whoever changes the row. */
export const createdAt = () => timestampTz("created_at").notNull().defaultNow();
export const updatedAt = () => timestampTz("updated_at").notNull().defaultNow();

/** An int8 read as a JavaScript number: epoch milliseconds, steps, byte counts (all below 2^53). */
export const bigintNumber = (name: string) => bigint(name, { mode: "number" });

export const onDeleteCascade = { onDelete: "cascade" } as const;
/** For references to a name, which may be renamed. */
export const onDeleteUpdateCascade = { onDelete: "cascade", onUpdate: "cascade" } as const;

type ReferenceActions = { onDelete?: UpdateDeleteAction; onUpdate?: UpdateDeleteAction };

/** A NOT NULL foreign key: by default its row is deleted with the row it points at. */
export function belongsTo<
  T extends PgColumnBuilderBase & { references(ref: () => PgColumn, actions: ReferenceActions): T; notNull(): NotNull<T> },
>(column: T, target: () => PgColumn, actions: ReferenceActions = onDeleteCascade): NotNull<T> {
  return column.references(target, actions).notNull();
}

/**
 * A key/value table (tags, params) belonging to an owner: the owner's columns, then `key` and `value`, keyed
 * by (owner…, key). `keyColumn` names the key's SQL column where it is not "key"; in TypeScript it is `key`.
 */
export function keyValueTable<TName extends string, TOwner extends Record<string, PgColumnBuilderBase>>(
  name: TName,
  owner: TOwner,
  keyColumn = "key",
) {
  return pgTable(name, { ...owner, key: text(keyColumn).notNull(), value: text("value").notNull() }, (t) => {
    const byName = t as unknown as Record<string, PgColumn>;
    const [first, ...rest] = [...Object.keys(owner), "key"].map((k) => byName[k] as PgColumn);
    return first ? [primaryKey({ columns: [first, ...rest] })] : [];
  });
}
