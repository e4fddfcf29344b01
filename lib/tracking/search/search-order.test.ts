import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { principal, trackingClient, type Json } from "../testing";

const alice = principal("alice");
let seq = 0;

// runs/search ordered by a metric reads runs having it in index order, then runs without it: pages must
// cross that boundary exactly as one sorted list would.
for (const kind of DB_KINDS) {
  describe(`runs/search ordered by a metric, across pages (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok } = trackingClient(db);
    const post = (path: string, body: Json) => call("POST", path, body, alice);

    /** Runs r0..r6: acc = 0.1·i for i < 5 except r2 = NaN; r5, r6 have no acc. start_time = i. */
    async function seed(): Promise<{ exp: string; ids: string[] }> {
      const exp = String((await ok(post("experiments/create", { name: `order-${kind}-${++seq}` }))).experiment_id);
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const id = (
          (await ok(post("runs/create", { experiment_id: exp, start_time: i, run_name: `r${i}` }))).run as { info: { run_id: string } }
        ).info.run_id;
        if (i < 5) await ok(post("runs/log-metric", { run_id: id, key: "acc", value: i === 2 ? "NaN" : i / 10, timestamp: 1 }));
        ids.push(id);
      }
      return { exp, ids };
    }

    /** Every page until there is no token (MLflow gives one whenever a page is full, so a last page may be empty). */
    async function pages(exp: string, body: Json, size: number): Promise<string[][]> {
      const out: string[][] = [];
      let token: unknown;
      for (let guard = 0; guard < 10; guard++) {
        const page = await ok(
          post("runs/search", { experiment_ids: [exp], max_results: size, ...body, ...(token ? { page_token: token } : {}) }),
        );
        out.push(((page.runs as { info: { run_name: string } }[] | undefined) ?? []).map((r) => r.info.run_name));
        token = page.next_page_token;
        if (!token) break;
      }
      return out;
    }

    it("sorts numbers, then NaN, then missing (latest start first), in both directions and over page boundaries", async () => {
      const { exp } = await seed();
      expect(await pages(exp, { order_by: ["metrics.acc DESC"] }, 100)).toEqual([["r4", "r3", "r1", "r0", "r2", "r6", "r5"]]);
      expect(await pages(exp, { order_by: ["metrics.acc ASC"] }, 3)).toEqual([["r0", "r1", "r3"], ["r4", "r2", "r6"], ["r5"]]);
      expect(await pages(exp, { order_by: ["metrics.acc DESC"] }, 2)).toEqual([["r4", "r3"], ["r1", "r0"], ["r2", "r6"], ["r5"]]);
      // A page that starts beyond every run having the metric.
      const deep = await ok(
        post("runs/search", {
          experiment_ids: [exp],
          order_by: ["metrics.acc"],
          max_results: 1,
          page_token: Buffer.from('{"offset": 6}').toString("base64"),
        }),
      );
      expect((deep.runs as { info: { run_name: string } }[]).map((r) => r.info.run_name)).toEqual(["r5"]);
    });

    it("uses the filter's bounds on the sorted metric and keeps other filters", async () => {
      const { exp } = await seed();
      expect(await pages(exp, { filter: "metrics.acc >= 0.1 AND metrics.acc < 0.4", order_by: ["metrics.acc DESC"] }, 100)).toEqual([
        ["r3", "r1"],
      ]);
      expect(await pages(exp, { filter: "metrics.acc > 0.05 OR attributes.run_name = 'r6'", order_by: ["metrics.acc ASC"] }, 2)).toEqual([
        ["r1", "r3"],
        ["r4", "r6"],
        [],
      ]);
      expect(
        await pages(exp, { filter: "attributes.run_name LIKE 'r%'", order_by: ["metrics.acc DESC", "attributes.run_name DESC"] }, 4),
      ).toEqual([
        ["r4", "r3", "r1", "r0"],
        ["r2", "r6", "r5"],
      ]);
    });
  });
}
