/**
 * Endpoints that follow an alias (docs/serving.md, "Replicas"): when `<model>@<alias>` moves to another version
 * (the registry's `model_version_alias.created` event, lib/tracking/registry/events.ts), each endpoint following it
 * gets a new config revision serving that version, written with the consumer's cursor (lib/events/consumers.ts), and
 * the reconciler rolls it out as any other change. A revision made while another rolls out replaces it: the alias's
 * newest version is the one wanted.
 */
import type { Db } from "@/db/client";
import type { EventRow } from "@/db/queries/events";
import { findModelVersion } from "@/db/queries/registry";
import { endpointsFollowing, findConfigs } from "@/db/queries/serving";
import { recordAudit } from "@/lib/audit/record";
import { SYSTEM_PRINCIPAL } from "@/lib/auth/principal";
import type { EventConsumer } from "@/lib/events/consumers";
import { recordEvents } from "@/lib/events/outbox";
import { addRevision, configSummary } from "./endpoints";
import { endpointEvent } from "./events";

/** Gives every endpoint following `model@alias` a revision serving `version`; the names of those it changed. */
export async function followAliasMove(db: Db, model: string, alias: string, version: number): Promise<string[]> {
  const target = await findModelVersion(db, model, version);
  if (target?.status !== "READY") return [];
  const changed: string[] = [];
  for (const e of await endpointsFollowing(db, `${model}@${alias}`)) {
    const latestId = e.pendingConfigId ?? e.activeConfigId;
    const [latest] = latestId ? await findConfigs(db, [latestId]) : [];
    if (!latest) continue;
    const follows = (x: { entityName: string; entityAlias: string | null }) => x.entityName === model && x.entityAlias === alias;
    if (latest.servedEntities.every((x) => !follows(x) || x.entityVersion === version)) continue;
    const resolved = {
      servedEntities: latest.servedEntities.map((x) => (follows(x) ? { ...x, entityVersion: version } : x)),
      routes: latest.routes,
      shadowEntity: latest.shadowEntity,
      followedAliases: e.followedAliases,
    };
    const revision = await addRevision(db, SYSTEM_PRINCIPAL, e, resolved);
    const summary = { ...configSummary(revision, resolved), reason: `${model}@${alias} moved to version ${version}` };
    await recordAudit(db, {
      actor: SYSTEM_PRINCIPAL.name,
      action: "endpoint.config_update",
      target: e.name,
      detail: { id: e.id, ...summary },
    });
    await recordEvents(db, SYSTEM_PRINCIPAL, [endpointEvent("endpoint.config_updated", e, summary)]);
    changed.push(e.name);
  }
  return changed;
}

/** The events loop's consumer: each alias move, once, in the transaction that moves its cursor. */
export const aliasFollowersConsumer: EventConsumer = {
  name: "serving-alias-followers",
  async deliver(events: readonly EventRow[], { db }) {
    for (const event of events) {
      if (event.type !== "model_version_alias.created") continue;
      const { name, alias, version } = event.payload as { name?: unknown; alias?: unknown; version?: unknown };
      if (typeof name !== "string" || typeof alias !== "string" || !/^\d+$/.test(String(version))) continue;
      await followAliasMove(db, name, alias, Number(version));
    }
  },
};
