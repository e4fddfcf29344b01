import { beforeEach, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { servingReplicas, servingRequestLog } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { parseWith } from "@/lib/http/parse";
import { apiError } from "@/lib/http/testing";
import { createEndpoint, updateEndpointConfig } from "./endpoints";
import { endpointPage, endpointsOverview } from "./overview";
import { endpointDrift, endpointSeries, exportRequests, listRequests, requestQuerySchema } from "./request-log";
import { createEndpointSchema, endpointConfigInputSchema } from "./schemas";
import { churnConfig, failRollout, seedServing, type Person } from "./testing";

const query = (q: Record<string, string> = {}) => parseWith(requestQuerySchema, q);

async function collect(gen: AsyncGenerator<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of gen) out.push(l);
  return out;
}

for (const kind of DB_KINDS) {
  describe(kind, () => {
    const db = useTestDatabase(kind);
    let p: Record<Person, Principal>;
    let endpointId: string;
    const NOW = new Date();

    beforeEach(async () => {
      p = await seedServing(db());
      const view = await createEndpoint(db(), p.alice, parseWith(createEndpointSchema, { name: "churn-api", config: churnConfig() }));
      endpointId = view.id;
      const rows = Array.from({ length: 12 }, (_, i) => ({
        endpointId,
        endpointName: "churn-api",
        at: new Date(NOW.getTime() - (i + 1) * 60_000),
        callerName: i % 3 === 0 ? "bob" : "alice",
        servedEntity: "churn-2",
        modelVersion: 2,
        status: i % 4 === 0 ? 500 : 200,
        latencyMs: 5 + i,
        requestSample: JSON.stringify({ dataframe_records: [{ age: 30 + i }] }),
        responseSample: JSON.stringify({ predictions: [i % 2] }),
      }));
      await db().insert(servingRequestLog).values(rows);
    });

    const log = (db: Db, caller: Principal, q: Record<string, string> = {}) => listRequests(db, caller, "churn-api", query(q));

    it("lets the owner and admins read the request log and refuses everyone else with the rule's sentence", async () => {
      expect((await log(db(), p.alice)).requests).toHaveLength(12);
      expect((await log(db(), p.root)).requests).toHaveLength(12);
      const e = await apiError(log(db(), p.bob));
      expect([e.status, e.message]).toEqual([403, "Only alice or an admin may read the request log of endpoint churn-api."]);
      await expect(apiError(endpointDrift(db(), p.bob, "churn-api", "hour"))).resolves.toMatchObject({ status: 403 });
      await expect(apiError(exportRequests(db(), p.bob, "churn-api", query()))).resolves.toMatchObject({ status: 403 });
      const missing = await apiError(log(db(), p.alice, {}).then(() => listRequests(db(), p.alice, "nope", query())));
      expect(missing.status).toBe(404);
    });

    it("pages with next_page_token until the end, filters, and refuses a forged token", async () => {
      const first = await log(db(), p.alice, { limit: "5" });
      expect(first.requests).toHaveLength(5);
      const second = await log(db(), p.alice, { limit: "5", page_token: first.next_page_token ?? "" });
      const third = await log(db(), p.alice, { limit: "5", page_token: second.next_page_token ?? "" });
      expect(third.requests).toHaveLength(2);
      expect(third.next_page_token).toBeUndefined();
      const ids = [...first.requests, ...second.requests, ...third.requests].map((r) => r.id);
      expect(new Set(ids).size).toBe(12);
      expect((await log(db(), p.alice, { status: "error" })).requests.every((r) => r.status === 500)).toBe(true);
      expect((await log(db(), p.alice, { caller: "bob" })).requests).toHaveLength(4);
      const forged = await apiError(log(db(), p.alice, { page_token: "not-a-token" }));
      expect([forged.status, forged.code]).toEqual([400, "invalid_page_token"]);
      expect(() => query({ status: "teapot" })).toThrow(/status/);
      // Well-formed but not a date (31 February): refused here, not a database error (a 500).
      const feb31 = Buffer.from(JSON.stringify({ at: "2026-02-31 10:00:00+00", id: 5 })).toString("base64url");
      expect((await apiError(log(db(), p.alice, { page_token: feb31 }))).status).toBe(400);
    });

    it("exports JSON Lines of the filtered rows and says when the cap cut it", async () => {
      const all = await exportRequests(db(), p.alice, "churn-api", query({ caller: "alice" }));
      const lines = await collect(all.lines);
      expect(all.truncated).toBe(false);
      expect(lines).toHaveLength(8);
      expect(lines.map((l) => (JSON.parse(l) as { caller: string }).caller)).toEqual(Array(8).fill("alice"));
      const capped = await exportRequests(db(), p.alice, "churn-api", query(), 5);
      expect(capped.truncated).toBe(true);
      expect(await collect(capped.lines)).toHaveLength(5);
      const exact = await exportRequests(db(), p.alice, "churn-api", query(), 12);
      expect(exact.truncated).toBe(false);
    });

    it("answers the charts per served version to everyone who may read the endpoint", async () => {
      const series = await endpointSeries(db(), p.bob, "churn-api", "hour", NOW);
      expect(series.bucket_s).toBe(60);
      expect(series.versions.map((v) => [v.served_entity, v.model_version])).toEqual([["churn-2", 2]]);
      const points = series.versions[0]?.points ?? [];
      expect(points.reduce((n, x) => n + x.requests, 0)).toBe(12);
      expect(points.every((x) => x.t >= series.from && x.t < series.to)).toBe(true);
    });

    it("lists revisions with the config a rollback PUTs, which makes the same config again as a new revision", async () => {
      // A change is refused during a rollout: each one here has failed, as a rollout with no image does.
      await failRollout(db(), "churn-api");
      await updateEndpointConfig(db(), p.alice, "churn-api", parseWith(endpointConfigInputSchema, churnConfig({ entity_version: "1" })));
      const page = await endpointPage(db(), p.alice, "churn-api");
      expect(page.revisions.map((r) => [r.version, r.role, r.served_entities[0]?.version])).toEqual([
        [2, "pending", 1],
        [1, null, 2],
      ]);
      expect(page.may_manage).toBe(true);
      expect(page.grants).toEqual([]);
      const v1 = page.revisions[1];
      if (!v1) throw new Error("no revision 1");
      await failRollout(db(), "churn-api");
      await updateEndpointConfig(db(), p.alice, "churn-api", parseWith(endpointConfigInputSchema, v1.config));
      const after = await endpointPage(db(), p.alice, "churn-api");
      expect(after.revisions[0]).toMatchObject({ version: 3, role: "pending", served_entities: v1.served_entities, routes: v1.routes });
      const bobs = await endpointPage(db(), p.bob, "churn-api");
      expect([bobs.may_manage, bobs.grants]).toEqual([false, null]);
    });

    it("counts replicas per state for the rollout's progress, and the list's requests in the last hour", async () => {
      const page = await endpointPage(db(), p.alice, "churn-api");
      const configId = "c";
      await db()
        .insert(servingReplicas)
        .values([
          { id: "r1", endpointId, configId, servedEntity: "churn-2", modelVersion: 2, state: "ready" },
          { id: "r2", endpointId, configId, servedEntity: "churn-2", modelVersion: 2, state: "starting" },
          { id: "r3", endpointId, configId, servedEntity: "churn-2", modelVersion: 2, state: "stopped" },
        ]);
      const now = await endpointPage(db(), p.alice, "churn-api");
      expect(page.replicas).toEqual([]);
      expect(now.replicas.map((r) => [r.served_entity, r.state, r.count])).toEqual([
        ["churn-2", "ready", 1],
        ["churn-2", "starting", 1],
      ]);
      const list = await endpointsOverview(db(), p.carol, NOW);
      expect(list.map((x) => [x.endpoint.name, x.requestsLastHour])).toEqual([["churn-api", 12]]);
    });

    it("drift compares the sampled inputs of this window with the one before", async () => {
      const report = await endpointDrift(db(), p.alice, "churn-api", "hour", NOW);
      expect(report.current.bodies).toBe(9); // the three 500s are not answers to compare
      expect(report.reference.bodies).toBe(0);
      expect(report.columns).toEqual([]);
    });
  });
}
