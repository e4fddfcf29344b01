import { eq } from "drizzle-orm";
import type { Db } from "../client";
import { imagePackages } from "../schema";

export type ImagePackagesRow = typeof imagePackages.$inferSelect;

export async function findImagePackages(db: Db, imageId: string): Promise<ImagePackagesRow | undefined> {
  const rows = await db.select().from(imagePackages).where(eq(imagePackages.imageId, imageId)).limit(1);
  return rows[0];
}

/** First reader wins: an image id's packages never change, so a second write has nothing new to say. */
export async function saveImagePackages(db: Db, row: Omit<ImagePackagesRow, "readAt">): Promise<ImagePackagesRow> {
  const inserted = await db.insert(imagePackages).values(row).onConflictDoNothing().returning();
  const out = inserted[0] ?? (await findImagePackages(db, row.imageId));
  if (!out) throw new Error(`image_packages row for ${row.imageId} vanished`);
  return out;
}
