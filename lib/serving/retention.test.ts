/** The request log's retention query on both databases: each endpoint's own days, a default for deleted endpoints. */
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { deleteExpiredRequestLog, insertRequestLogRows } from "@/db/queries/serving-log-writes";
import { servingEndpoints, servingRequestLog } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { createEndpoint } from "./endpoints";
import { seedServing } from "./testing";

const DAY = 86_400_000;

for (const kind of DB_KINDS) {
  describe(`request log retention (${kind})`, () => {
    const db = useTestDatabase(kind);

    it("deletes rows older than their endpoint's log_retention_days, and a deleted endpoint's after the default", async () => {
      const people = await seedServing(db());
      await createEndpoint(db(), people.alice, {
        name: "kept",
        config: { served_entities: [{ entity_name: "churn", entity_version: "2", workload_size: "Small", scale_to_zero_enabled: false }] },
      } as never);
      const [e] = await db().select().from(servingEndpoints).where(eq(servingEndpoints.name, "kept"));
      await db().update(servingEndpoints).set({ logRetentionDays: 7 }).where(eq(servingEndpoints.id, e!.id));
      const row = (endpointId: string, ageDays: number) => ({
        endpointId,
        endpointName: "x",
        at: new Date(Date.now() - ageDays * DAY),
        callerName: "alice",
        servedEntity: "churn-2",
        status: 200,
        latencyMs: 1,
      });
      await insertRequestLogRows(db(), [row(e!.id, 1), row(e!.id, 8), row("gone", 20), row("gone", 31)]);
      expect(await deleteExpiredRequestLog(db(), 30)).toBe(2);
      const left = await db().select({ endpointId: servingRequestLog.endpointId, at: servingRequestLog.at }).from(servingRequestLog);
      expect(left.map((r) => [r.endpointId, Math.round((Date.now() - r.at.getTime()) / DAY)]).sort()).toEqual([
        [e!.id, 1],
        ["gone", 20],
      ]);
    });

    it("writes every field of a batch as given, whatever the bodies hold (one array parameter a column)", async () => {
      const at = new Date("2026-12-07T10:00:00.123Z");
      const full = {
        endpointId: "e1",
        endpointName: "churn",
        at,
        callerId: "u1",
        callerName: "alice",
        tokenId: "tok_1",
        servedEntity: "churn-2",
        modelVersion: 2,
        shadow: true,
        status: 200,
        latencyMs: 1.25,
        requestBytes: 10,
        responseBytes: 20,
        requestSample: 'a "quoted", {braced} \\ back\\slash, NULL, ünïcode ☃\n',
        responseSample: "NULL",
      };
      const bare = { endpointId: "e1", endpointName: "churn", at, callerName: "anonymous", status: 401, latencyMs: 0.5 };
      await insertRequestLogRows(db(), [full, bare]);
      const rows = await db()
        .select()
        .from(servingRequestLog)
        .where(eq(servingRequestLog.endpointId, "e1"))
        .orderBy(servingRequestLog.status);
      const defaults = { callerId: null, tokenId: null, servedEntity: null, modelVersion: null, shadow: false, requestBytes: 0 };
      expect(rows.map(({ id: _id, ...r }) => r)).toEqual([
        full,
        { ...defaults, responseBytes: 0, requestSample: null, responseSample: null, ...bare },
      ]);
    });
  });
}
