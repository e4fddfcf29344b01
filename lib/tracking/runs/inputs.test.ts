import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { principal, trackingClient, type Json } from "../testing";

const alice = principal("alice");
const bob = principal("bob");
let seq = 0;

const dataset = (name: string, digest: string, context?: string) => ({
  dataset: { name, digest, source_type: "local", source: `/data/${name}.csv`, schema: '{"cols":["a"]}' },
  ...(context ? { tags: [{ key: "mlflow.data.context", value: context }] } : {}),
});

for (const kind of DB_KINDS) {
  describe(`runs/log-inputs and datasets.* search (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok, fails } = trackingClient(db);
    const post = (path: string, body: Json = {}, who = alice) => call("POST", path, body, who);

    async function setup(): Promise<{ exp: string; a: string; b: string; c: string }> {
      const exp = String((await ok(post("experiments/create", { name: `inputs-${kind}-${++seq}` }))).experiment_id);
      const run = async () => ((await ok(post("runs/create", { experiment_id: exp }))).run as { info: { run_id: string } }).info.run_id;
      return { exp, a: await run(), b: await run(), c: await run() };
    }

    it("records dataset inputs once and returns them in runs/get", async () => {
      const { a } = await setup();
      expect(await ok(post("runs/log-inputs", { run_id: a, datasets: [dataset("iris", "d1", "training")] }))).toEqual({});
      // Logging the same dataset again neither duplicates it nor fails; the tag value is updated.
      await ok(post("runs/log-inputs", { run_id: a, datasets: [dataset("iris", "d1", "eval"), dataset("wine", "d2")] }));
      const run = (await ok(call("GET", "runs/get", { run_id: a }, alice))).run as Json;
      expect(run.inputs).toEqual({
        dataset_inputs: [
          {
            tags: [{ key: "mlflow.data.context", value: "eval" }],
            dataset: { name: "iris", digest: "d1", source_type: "local", source: "/data/iris.csv", schema: '{"cols":["a"]}' },
          },
          { dataset: { name: "wine", digest: "d2", source_type: "local", source: "/data/wine.csv", schema: '{"cols":["a"]}' } },
        ],
      });
    });

    it("filters runs by datasets.name, digest and context, with IN and OR", async () => {
      const { exp, a, b, c } = await setup();
      await ok(post("runs/log-inputs", { run_id: a, datasets: [dataset("iris", "d1", "training")] }));
      await ok(post("runs/log-inputs", { run_id: b, datasets: [dataset("wine", "d2", "eval")] }));
      const ids = async (filter: string) => {
        const body = await ok(post("runs/search", { experiment_ids: [exp], filter, order_by: ["attributes.run_id"] }));
        return ((body.runs as { info: { run_id: string } }[] | undefined) ?? []).map((r) => r.info.run_id).sort();
      };
      expect(await ids("datasets.name = 'iris'")).toEqual([a]);
      expect(await ids("datasets.digest IN ('d1', 'd2')")).toEqual([a, b].sort());
      expect(await ids("datasets.context = 'eval'")).toEqual([b]);
      expect(await ids("datasets.name LIKE 'w%' OR datasets.context = 'training'")).toEqual([a, b].sort());
      expect(await ids("datasets.name != 'iris'")).toEqual([b]);
      expect(await ids("datasets.name IS NULL")).toEqual([c]);
      await fails(
        post("runs/search", { experiment_ids: [exp], filter: "datasets.size = 'x'" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "unknown dataset field",
      );
    });

    it("validates inputs and checks the run", async () => {
      const { a } = await setup();
      await fails(post("runs/log-inputs", { datasets: [] }), 400, "INVALID_PARAMETER_VALUE", "'run_id'");
      await fails(
        post("runs/log-inputs", { run_id: a, datasets: [{ tags: [] }] }),
        400,
        "INVALID_PARAMETER_VALUE",
        "'datasets[0].dataset'",
      );
      await fails(
        post("runs/log-inputs", { run_id: a, datasets: [{ dataset: { name: "x", digest: "d", source_type: "local" } }] }),
        400,
        "INVALID_PARAMETER_VALUE",
        "'datasets[0].dataset.source'",
      );
      await fails(
        post("runs/log-inputs", { run_id: a, datasets: [dataset("x", "d".repeat(37))] }),
        400,
        "INVALID_PARAMETER_VALUE",
        "'dataset.digest' exceeds the maximum length of 36",
      );
      await fails(post("runs/log-inputs", { run_id: a, models: [{}] }), 400, "INVALID_PARAMETER_VALUE", "'models[0].model_id'");
      await fails(post("runs/log-inputs", { run_id: "0123456789abcdef0123456789abcdef", datasets: [] }), 404, "RESOURCE_DOES_NOT_EXIST");
      await fails(post("runs/log-inputs", { run_id: a, datasets: [dataset("x", "d")] }, bob), 403, "PERMISSION_DENIED");
      await ok(post("runs/delete", { run_id: a }));
      await fails(
        post("runs/log-inputs", { run_id: a, datasets: [dataset("x", "d")] }),
        400,
        "INVALID_PARAMETER_VALUE",
        "must be in the 'active' state",
      );
    });
  });
}
