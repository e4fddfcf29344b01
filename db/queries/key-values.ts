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
  private readonly columns: Record<string, PgColumn>;
  /** The table as selects take it (drizzle's select types do not resolve a generic table). */
  private readonly source: PgTable;

  constructor(private readonly table: T) {
    this.columns = getTableColumns(table);
    this.source = table;
  }

  private column(name: string): PgColumn {
    const c = this.columns[name];
    if (!c) throw new Error(`no column ${name}`);
    return c;
  }

  private ownerColumns(owner: OwnerOf<T>): PgColumn[] {
    return Object.keys(owner).map((k) => this.column(k));
  }

  private matches(owner: OwnerOf<T>, key?: string) {
    const conditions = Object.entries(owner).map(([k, v]) => eq(this.column(k), v));
    return and(...conditions, key === undefined ? undefined : eq(this.column("key"), key));
  }

  private rowsFor(owner: OwnerOf<T>, pairs: KeyValue[]): T["$inferInsert"][] {
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
        target: [...this.ownerColumns(owner), this.column("key")],
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
    const key = this.column("key");
    const inserted = await db.insert(this.table).values(this.rowsFor(owner, sorted)).onConflictDoNothing().returning({ key });
    const done = new Set(inserted.map((r) => r.key));
    const rest = sorted.filter((p) => !done.has(p.key));
    const keys = rest.map((p) => p.key);
    if (keys.length === 0) return [];
    const existing = await db
      .select({ key, value: this.column("value") })
      .from(this.source)
      .where(and(this.matches(owner), inArray(key, keys)));
    const old = new Map(existing.map((r) => [r.key as string, r.value as string]));
    return rest.filter((p) => old.get(p.key) !== p.value).map((p) => ({ key: p.key, old: old.get(p.key) ?? "", new: p.value }));
  }

  /** Whether the key was there to delete. */
  async remove(db: Db, owner: OwnerOf<T>, key: string): Promise<boolean> {
    const rows = await db
      .delete(this.table)
      .where(this.matches(owner, key))
      .returning({ key: this.column("key") });
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
    const names = Object.keys(owners[0] ?? {});
    const keyOf = (o: Record<string, unknown>) => JSON.stringify(names.map((n) => o[n]));
    for (let i = 0; i < owners.length; i += CHUNK) {
      const part = owners.slice(i, i + CHUNK) as Record<string, unknown>[];
      // One IN list per owner column: for a composite owner a superset of the pairs asked for, narrowed by keyOf.
      const where = names.map((n) => inArray(this.column(n), [...new Set(part.map((o) => o[n]))]));
      const rows = (await db
        .select()
        .from(this.source)
        .where(and(...where))
        .orderBy(asc(this.column("key")))) as (KeyValue & Record<string, unknown>)[];
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
