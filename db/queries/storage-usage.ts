import { eq, notInArray, sql } from "drizzle-orm";
import type { Db } from "../client";
import { storageUsage } from "../schema";
import { rowsOf } from "./metric-intervals";

/** Artifact bytes a person (by id) owns; 0 before their first upload. */
export async function storedBytes(db: Db, ownerId: string): Promise<number> {
  const rows = await db.select({ bytes: storageUsage.bytes }).from(storageUsage).where(eq(storageUsage.ownerId, ownerId)).limit(1);
  return rows[0]?.bytes ?? 0;
}

/**
 * Locks a person's usage row (made at 0 if missing) until the transaction ends: changes to what they store
 * are measured and counted one at a time, across replicas (lib/quota/storage.ts `underStorageLock`).
 */
export async function lockStorageRow(tx: Db, ownerId: string): Promise<void> {
  await tx.insert(storageUsage).values({ ownerId, bytes: 0 }).onConflictDoNothing();
  await tx.select({ bytes: storageUsage.bytes }).from(storageUsage).where(eq(storageUsage.ownerId, ownerId)).for("update");
}

/**
 * Adds `bytes` to a person's usage only if the total stays within `limitBytes`, in one statement, so
 * concurrent uploads cannot together pass the quota. Returns whether the bytes were added.
 */
export async function reserveStorage(db: Db, ownerId: string, bytes: number, limitBytes: number): Promise<boolean> {
  // One statement: a missing row is made holding the bytes if they fit (and not at all if they do not).
  const rows = rowsOf(
    await db.execute(sql`
      INSERT INTO ${storageUsage} (owner_id, bytes, updated_at)
      SELECT ${ownerId}, ${bytes}::bigint, now() WHERE ${bytes}::bigint <= ${limitBytes}::bigint
      ON CONFLICT (owner_id) DO UPDATE SET bytes = ${storageUsage.bytes} + excluded.bytes, updated_at = now()
        WHERE ${storageUsage.bytes} + excluded.bytes <= ${limitBytes}::bigint
      RETURNING bytes`),
  );
  return rows.length > 0;
}

/** Adds (or with a negative delta, frees) bytes without a limit; usage never goes below 0. */
export async function addStorage(db: Db, ownerId: string, delta: number): Promise<void> {
  if (delta === 0) return;
  await db
    .insert(storageUsage)
    .values({ ownerId, bytes: Math.max(0, delta) })
    .onConflictDoUpdate({
      target: storageUsage.ownerId,
      set: { bytes: sql`greatest(${storageUsage.bytes} + ${delta}::bigint, 0)`, updatedAt: new Date() },
    });
}

/** Sets every person's usage (by id) to what was measured; people not in `bytesByOwner` own nothing. */
export async function replaceStorage(db: Db, bytesByOwner: ReadonlyMap<string, number>): Promise<void> {
  await db.transaction(async (tx) => {
    const owners = [...bytesByOwner.keys()];
    await tx
      .update(storageUsage)
      .set({ bytes: 0, updatedAt: new Date() })
      .where(owners.length ? notInArray(storageUsage.ownerId, owners) : undefined);
    for (const [ownerId, bytes] of bytesByOwner) {
      await tx
        .insert(storageUsage)
        .values({ ownerId, bytes })
        .onConflictDoUpdate({ target: storageUsage.ownerId, set: { bytes, updatedAt: new Date() } });
    }
  });
}
