/** Registry webhooks and their delivery attempts (lib/webhooks/, docs/webhooks.md). */
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { webhookDeliveries, webhooks } from "../schema";

export type WebhookRow = typeof webhooks.$inferSelect;
export type NewWebhookRow = typeof webhooks.$inferInsert;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type NewWebhookDeliveryRow = typeof webhookDeliveries.$inferInsert;

export async function insertWebhook(db: Db, row: NewWebhookRow): Promise<WebhookRow> {
  const [created] = await db.insert(webhooks).values(row).returning();
  if (!created) throw new Error("insert into webhooks returned nothing");
  return created;
}

export async function countWebhooks(db: Db): Promise<number> {
  const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(webhooks);
  return row?.n ?? 0;
}

export async function findWebhook(db: Db, id: string): Promise<WebhookRow | undefined> {
  const [row] = await db.select().from(webhooks).where(eq(webhooks.id, id));
  return row;
}

/** Newest first, as MLflow's SQL store lists them; `offset` from the page token. */
export async function listWebhookPage(db: Db, offset: number, limit: number): Promise<WebhookRow[]> {
  return db.select().from(webhooks).orderBy(desc(webhooks.creationTimestamp), asc(webhooks.id)).offset(offset).limit(limit);
}

export async function updateWebhookRow(db: Db, id: string, change: Partial<NewWebhookRow>): Promise<WebhookRow | undefined> {
  const [row] = await db.update(webhooks).set(change).where(eq(webhooks.id, id)).returning();
  return row;
}

export async function deleteWebhookRow(db: Db, id: string): Promise<boolean> {
  const rows = await db.delete(webhooks).where(eq(webhooks.id, id)).returning({ id: webhooks.id });
  return rows.length > 0;
}

/** The ACTIVE webhooks subscribed to any of `types`. */
export async function activeWebhooksFor(db: Db, types: readonly string[]): Promise<WebhookRow[]> {
  if (types.length === 0) return [];
  return db
    .select()
    .from(webhooks)
    .where(
      and(
        eq(webhooks.status, "ACTIVE"),
        sql`${webhooks.events} ?| array[${sql.join(
          types.map((t) => sql`${t}`),
          sql`, `,
        )}]::text[]`,
      ),
    );
}

/** Queues attempts; one already queued for the same (webhook, event, attempt) is left alone. */
export async function enqueueDeliveries(db: Db, rows: readonly NewWebhookDeliveryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insert(webhookDeliveries)
    .values([...rows])
    .onConflictDoNothing();
}

export async function insertDelivery(db: Db, row: NewWebhookDeliveryRow): Promise<WebhookDeliveryRow> {
  const [created] = await db.insert(webhookDeliveries).values(row).returning();
  if (!created) throw new Error("insert into webhook_deliveries returned nothing");
  return created;
}

/**
 * Takes up to `limit` due, unfinished attempts nobody holds (or whose holder's lease ran out: a sender that
 * died), leasing them until `leaseUntil`. Two replicas never take the same row at the same time.
 */
export async function claimDueDeliveries(db: Db, now: Date, leaseUntil: Date, limit: number): Promise<WebhookDeliveryRow[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(
        and(
          isNull(webhookDeliveries.finishedAt),
          lte(webhookDeliveries.dueAt, now),
          or(isNull(webhookDeliveries.claimedUntil), lt(webhookDeliveries.claimedUntil, now)),
        ),
      )
      .orderBy(asc(webhookDeliveries.dueAt), asc(webhookDeliveries.id))
      .limit(limit)
      .for("update", { skipLocked: true });
    if (due.length === 0) return [];
    return tx
      .update(webhookDeliveries)
      .set({ claimedUntil: leaseUntil })
      .where(
        inArray(
          webhookDeliveries.id,
          due.map((d) => d.id),
        ),
      )
      .returning();
  });
}

export type AttemptResult = Pick<WebhookDeliveryRow, "statusCode" | "responseSnippet" | "error" | "durationMs">;

/** Records an attempt's outcome and, in the same transaction, queues the next attempt when there is one. */
export async function finishDelivery(db: Db, id: number, result: AttemptResult, next?: NewWebhookDeliveryRow): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(webhookDeliveries)
      .set({ ...result, finishedAt: sql`now()`, claimedUntil: null })
      .where(eq(webhookDeliveries.id, id));
    if (next) await tx.insert(webhookDeliveries).values(next).onConflictDoNothing();
  });
}

/** The newest attempts to one webhook (its page, tests). */
export async function recentDeliveries(db: Db, webhookId: string, limit: number): Promise<WebhookDeliveryRow[]> {
  return db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.webhookId, webhookId))
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit);
}

/** Deletes finished attempts older than `before`, at most `limit` a call. */
export async function pruneDeliveries(db: Db, before: Date, limit: number): Promise<number> {
  const old = db.select({ id: webhookDeliveries.id }).from(webhookDeliveries).where(lt(webhookDeliveries.finishedAt, before)).limit(limit);
  const rows = await db.delete(webhookDeliveries).where(inArray(webhookDeliveries.id, old)).returning({ id: webhookDeliveries.id });
  return rows.length;
}

/** Attempts (those matching `where`) numbered per webhook from its newest, 1 first. */
const rankedPerWebhook = (db: Db, where: SQL | undefined) =>
  db
    .select({
      id: webhookDeliveries.id,
      rank: sql<number>`row_number() OVER (PARTITION BY ${webhookDeliveries.webhookId} ORDER BY ${webhookDeliveries.id} DESC)`.as("rank"),
    })
    .from(webhookDeliveries)
    .where(where)
    .as("ranked");

/** The newest `perWebhook` attempts of each of these webhooks, newest first (the admin page). */
export async function recentDeliveriesOf(db: Db, webhookIds: readonly string[], perWebhook: number): Promise<WebhookDeliveryRow[]> {
  if (webhookIds.length === 0) return [];
  const ranked = rankedPerWebhook(db, inArray(webhookDeliveries.webhookId, [...webhookIds]));
  const ids = db.select({ id: ranked.id }).from(ranked).where(lte(ranked.rank, perWebhook));
  return db.select().from(webhookDeliveries).where(inArray(webhookDeliveries.id, ids)).orderBy(desc(webhookDeliveries.id));
}

/** Deletes each webhook's finished attempts beyond its newest `keep`, at most `limit` a call. */
export async function pruneDeliveriesBeyond(db: Db, keep: number, limit: number): Promise<number> {
  const ranked = rankedPerWebhook(db, isNotNull(webhookDeliveries.finishedAt));
  const old = db.select({ id: ranked.id }).from(ranked).where(gt(ranked.rank, keep)).limit(limit);
  const rows = await db.delete(webhookDeliveries).where(inArray(webhookDeliveries.id, old)).returning({ id: webhookDeliveries.id });
  return rows.length;
}
