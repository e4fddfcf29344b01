/**
 * Tags and params: the rows (owner…, key, value) of a table made by keyValueTable (db/columns.ts), for any
 * owner (a run, an experiment, a registered model, a model version, a logged model, a run's dataset input).
 */
import { and, asc, eq, getTableColumns, inArray, sql } from "drizzle-orm";
import type { PgColumn, PgTable, PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Db } from "../client";

export interface KeyValue {
  key: string;
  value: string;
}

type Row<T extends PgTable> = T["$inferSelect"];
/** What names the owner: its columns in the table, e.g. `{ runUuid }` or `{ name, version }`. */
export type OwnerOf<T extends PgTable> = Omit<Row<T>, "key" | "value">;

/** Ids per statement when reading many owners at once, well below Postgres' 65535 bound parameters. */
const CHUNK = 5000;

const byKey = (a: KeyValue, b: KeyValue) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** One value per key (the last given wins), sorted by key so concurrent writers to one owner lock rows in the same order. */
function lastPerKey(pairs: KeyValue[]): KeyValue[] {
  return [...new Map(pairs.map((p) => [p.key, p.value]))].map(([key, value]) => ({ key, value })).sort(byKey);
}

export class KeyValueRows<T extends PgTable> {
  /** The table as selects take it (drizzle's select types do not resolve a generic table). */
  private readonly source: PgTable;
  private readonly key: PgColumn;
  private readonly value: PgColumn;
  /** The owner's columns by property name: all but key and value. */
  private readonly owner: [string, PgColumn][];

  constructor(private readonly table: T) {
    this.source = table;
    const { key, value, ...owner }: Record<string, PgColumn> = getTableColumns(table);
    if (!key || !value) throw new Error("a key/value table has columns key and value");
    this.key = key;
    this.value = value;
    this.owner = Object.entries(owner);
  }

  /** The owner's column values, in column order (as a map key, or a row's). */
  private ownerValues(o: OwnerOf<T>): unknown[] {
    return this.owner.map(([n]) => (o as Record<string, unknown>)[n]);
  }

  private matches(o: OwnerOf<T>, key?: string) {
    const conditions = this.owner.map(([n, c]) => eq(c, (o as Record<string, unknown>)[n]));
    return and(...conditions, key === undefined ? undefined : eq(this.key, key));
  }

  private rowsFor(o: OwnerOf<T>, pairs: KeyValue[]): T["$inferInsert"][] {
    const owner = Object.fromEntries(this.owner.map(([n]) => [n, (o as Record<string, unknown>)[n]]));
    return pairs.map((p) => ({ ...owner, key: p.key, value: p.value }));
  }

  /** Inserts or replaces the values of these keys; for a key given twice the last value wins. */
  async set(db: Db, owner: OwnerOf<T>, pairs: KeyValue[]): Promise<void> {
    const rows = this.rowsFor(owner, lastPerKey(pairs));
    if (rows.length === 0) return;
    await db
      .insert(this.table)
      .values(rows)
      .onConflictDoUpdate({
        target: [...this.owner.map(([, c]) => c), this.key],
        set: { value: sql`excluded.value` } as PgUpdateSetSource<T>,
      });
  }

  /**
   * Inserts the keys not there yet and leaves the others as they are (params never change). Returns the keys
   * already there with another value, in key order; the same value again is a no-op.
   */
  async addMissing(db: Db, owner: OwnerOf<T>, pairs: KeyValue[]): Promise<{ key: string; old: string; new: string }[]> {
    if (pairs.length === 0) return [];
    const sorted = [...pairs].sort(byKey);
    const key = this.key;
    const inserted = await db.insert(this.table).values(this.rowsFor(owner, sorted)).onConflictDoNothing().returning({ key });
    const done = new Set(inserted.map((r) => r.key));
    const rest = sorted.filter((p) => !done.has(p.key));
    const keys = rest.map((p) => p.key);
    if (keys.length === 0) return [];
    const existing = await db
      .select({ key, value: this.value })
      .from(this.source)
      .where(and(this.matches(owner), inArray(key, keys)));
    const old = new Map(existing.map((r) => [r.key as string, r.value as string]));
    return rest.filter((p) => old.get(p.key) !== p.value).map((p) => ({ key: p.key, old: old.get(p.key) ?? "", new: p.value }));
  }

  /** Whether the key was there to delete. */
  async remove(db: Db, owner: OwnerOf<T>, key: string): Promise<boolean> {
    const rows = await db.delete(this.table).where(this.matches(owner, key)).returning({ key: this.key });
    return rows.length > 0;
  }

  /** Removes all of an owner's rows. */
  async removeAll(db: Db, owner: OwnerOf<T>): Promise<void> {
    await db.delete(this.table).where(this.matches(owner));
  }

  /** One owner's pairs, sorted by key. */
  async get(db: Db, owner: OwnerOf<T>): Promise<KeyValue[]> {
    return (await this.of(db, [owner]))(owner);
  }

  /** The pairs of many owners at once, each sorted by key: a lookup by owner (an owner without any has none). */
  async of(db: Db, owners: OwnerOf<T>[]): Promise<(owner: OwnerOf<T>) => KeyValue[]> {
    const found = new Map<string, KeyValue[]>();
    const keyOf = (o: OwnerOf<T>) => JSON.stringify(this.ownerValues(o));
    for (let i = 0; i < owners.length; i += CHUNK) {
      const part = owners.slice(i, i + CHUNK).map((o) => this.ownerValues(o));
      // One IN list per owner column: for a composite owner a superset of the owners asked for, narrowed by keyOf.
      const where = this.owner.map(([, c], n) => inArray(c, [...new Set(part.map((values) => values[n]))]));
      const rows = (await db
        .select()
        .from(this.source)
        .where(and(...where))
        .orderBy(asc(this.key))) as (OwnerOf<T> & KeyValue)[];
      for (const r of rows) {
        const k = keyOf(r);
        const list = found.get(k) ?? [];
        if (list.length === 0) found.set(k, list);
        list.push({ key: r.key, value: r.value });
      }
    }
    return (owner) => found.get(keyOf(owner)) ?? [];
  }
}
