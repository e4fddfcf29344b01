/**
 * The event outbox (docs/architecture.md §5, "The event outbox"): a change that others must hear about
 * writes an event in its own transaction, and the leader's loop (loop.ts) hands it to every consumer
 * (consumers.ts) afterwards. A change that rolls back takes its events with it; a committed one always has them.
 */
import type { Db } from "@/db/client";
import { insertEvents } from "@/db/queries/events";
import type { Principal } from "@/lib/auth/principal";

/** An event before it is stored: MLflow's webhook event name and payload, and what it is about. */
export interface EventDraft {
  /** "<entity>.<action>", e.g. "model_version_alias.created" (mlflow/entities/webhook.py's WebhookEventStr). */
  type: string;
  payload: Record<string, unknown>;
  entity: { type: string; id: string };
}

/** Writes the events of a change; `db` must be that change's transaction. */
export async function recordEvents(db: Db, actor: Principal, drafts: readonly EventDraft[]): Promise<void> {
  await insertEvents(
    db,
    drafts.map((d) => ({
      type: d.type,
      payload: d.payload,
      entityType: d.entity.type,
      entityId: d.entity.id,
      actorId: actor.userId ?? null,
      actorName: actor.name,
    })),
  );
}
