import { and, asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, servingEndpointConfigs, servingEndpoints } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { deliverEvents } from "@/lib/events/delivery";
import { parseWith } from "@/lib/http/parse";
import { trackingClient } from "@/lib/tracking/testing";
import { createEndpoint, getEndpoint } from "./endpoints";
import { aliasFollowersConsumer } from "./follow-alias";
import { createEndpointSchema } from "./schemas";
import { churnConfig, finishRollout, seedServing } from "./testing";

for (const kind of DB_KINDS) {
  describe(`endpoints that follow an alias (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok } = trackingClient(db);

    it("gives each endpoint following a moved alias one revision serving the new version, for the reconciler to roll out", async () => {
      const p = await seedServing(db());
      const create = async (name: string, config: Record<string, unknown>) => {
        await createEndpoint(db(), p.alice, parseWith(createEndpointSchema, { name, config }));
        await finishRollout(db(), name);
      };
      await create("follows", { served_entities: [{ entity_name: "churn", entity_alias: "champion" }] });
      await create("pinned", churnConfig());
      await deliverEvents(db(), [aliasFollowersConsumer]);
      const revisions = async (name: string) =>
        (
          await db()
            .select({ version: servingEndpointConfigs.version })
            .from(servingEndpointConfigs)
            .innerJoin(servingEndpoints, eq(servingEndpoints.id, servingEndpointConfigs.endpointId))
            .where(eq(servingEndpoints.name, name))
            .orderBy(asc(servingEndpointConfigs.version))
        ).map((r) => r.version);

      // champion moves from version 2 to version 1 through the MLflow API; the outbox carries it to the consumer.
      await ok(call("POST", "registered-models/alias", { name: "churn", alias: "champion", version: "1" }, p.alice));
      await deliverEvents(db(), [aliasFollowersConsumer]);
      const follows = await getEndpoint(db(), p.alice, "follows");
      expect(follows.state).toEqual({ ready: "READY", config_update: "IN_PROGRESS" });
      expect(follows.config?.served_entities[0]).toMatchObject({ entity_version: "2", entity_alias: "champion" });
      expect(follows.pending_config).toMatchObject({
        config_version: 2,
        served_entities: [
          { name: "churn-champion", entity_name: "churn", entity_version: "1", entity_alias: "champion", creator: "atrium" },
        ],
      });
      expect(await revisions("pinned")).toEqual([1]);
      const audit = await db()
        .select({ actor: auditEvents.actor, target: auditEvents.target })
        .from(auditEvents)
        .where(and(eq(auditEvents.action, "endpoint.config_update")));
      expect(audit).toEqual([{ actor: "atrium", target: "follows" }]);

      // Delivered once; an alias set to the version already served makes no revision.
      await deliverEvents(db(), [aliasFollowersConsumer]);
      await ok(call("POST", "registered-models/alias", { name: "churn", alias: "champion", version: "1" }, p.alice));
      await deliverEvents(db(), [aliasFollowersConsumer]);
      expect(await revisions("follows")).toEqual([1, 2]);
    });
  });
}
