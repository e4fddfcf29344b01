/**
 * The serving endpoints' events in the outbox (lib/events/outbox.ts), written in the transaction of the change:
 * the runtime's reconciler and the audit stream hear about every create, config change, grant change and delete.
 */
import type { EndpointRow } from "@/db/queries/serving";
import type { EventDraft } from "@/lib/events/outbox";

export const SERVING_EVENT_TYPES = [
  "endpoint.created",
  "endpoint.config_updated",
  "endpoint.permissions_updated",
  "endpoint.deleted",
] as const;
export type ServingEventType = (typeof SERVING_EVENT_TYPES)[number];

export function endpointEvent(
  type: ServingEventType,
  endpoint: Pick<EndpointRow, "id" | "name">,
  payload: Record<string, unknown> = {},
): EventDraft {
  return {
    type,
    payload: { endpoint_id: endpoint.id, endpoint_name: endpoint.name, ...payload },
    entity: { type: "serving_endpoint", id: endpoint.id },
  };
}
