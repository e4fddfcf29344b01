/** The operation table's behaviour: typed input, unknown paths and methods, who may write, one transaction per write. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { runTagRows } from "@/db/queries/tracking";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { invalidParam } from "../errors";
import { principal, trackingClient, type Json } from "../testing";
import { runOperation } from "./dispatch";
import { TRACKING_OPERATIONS, type Operation } from "./operations";
import { changes } from "./targets";

const alice = principal("op-alice");
const bob = principal("op-bob");
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

describe("the operation table", () => {
  it("declares every write as a create or a change, so it runs in a transaction", () => {
    const writes = TRACKING_OPERATIONS.filter((op) => !op.methods.includes("GET") && !op.path.endsWith("search"));
    expect(writes.length).toBeGreaterThan(30);
    // The webhook test sends a request and waits for its answer: no transaction held open meanwhile. The filter
    // correlation is a POST that only reads (it answers NOT_IMPLEMENTED after checking its filters).
    expect(writes.filter((op) => op.access.mode === "read").map((op) => op.path)).toEqual([
      "webhooks/{webhook_id}/test",
      "traces/calculate-filter-correlation",
    ]);
    const keys = TRACKING_OPERATIONS.flatMap((op) => op.methods.map((m) => `${m} ${op.api ?? "2.0"}/${op.path}`));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("lets only writes emit events, so the events share the write's transaction", () => {
    const emitting = TRACKING_OPERATIONS.filter((op) => op.emits);
    expect(emitting.length).toBeGreaterThanOrEqual(8);
    expect(emitting.filter((op) => op.access.mode === "read").map((op) => op.path)).toEqual([]);
  });
});

for (const kind of DB_KINDS) {
  describe(`MLflow dispatch (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok, fails } = trackingClient(db);
    const post = (path: string, body: Json = {}, who = alice) => call("POST", path, body, who);
    const get = (path: string, q: Json = {}, who = alice) => call("GET", path, q, who);
    const newRun = async (who = alice) => {
      const { experiment_id } = await ok(post("experiments/create", { name: unique("op-exp") }, who));
      const { run } = (await ok(post("runs/create", { experiment_id }, who))) as { run: { info: { run_id: string } } };
      return run.info.run_id;
    };

    it("refuses a wrong-typed field with 400 naming it, at any depth, and stores nothing", async () => {
      const name = unique("123");
      await fails(
        post("experiments/create", { name: 123 }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Invalid value 123 for parameter 'name' supplied: expected a string.",
      );
      await fails(get("experiments/get-by-name", { experiment_name: "123" }), 404, "RESOURCE_DOES_NOT_EXIST");
      await fails(post("experiments/create", { name, tags: [{ key: "k", value: 5 }] }), 400, "INVALID_PARAMETER_VALUE", "'tags[0].value'");
      await fails(get("experiments/get-by-name", { experiment_name: name }), 404, "RESOURCE_DOES_NOT_EXIST");
      await fails(
        post("runs/update", { run_id: 31 }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Invalid value 31 for parameter 'run_id' supplied: expected a string.",
      );
      const id = await newRun();
      const metrics = [
        { key: "loss", value: 1, timestamp: 1 },
        { key: "loss", value: 2, timestamp: "soon" },
      ];
      await fails(
        post("runs/log-batch", { run_id: id, metrics }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Invalid value \"soon\" for parameter 'metrics[1].timestamp' supplied: expected an integer.",
      );
      await fails(
        post("runs/log-batch", { run_id: id, metrics: [{ key: "loss", value: 1 }] }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Missing value for required parameter 'metrics[0].timestamp'.",
      );
      await fails(
        post("runs/log-batch", { run_id: id, params: { key: "a" } }),
        400,
        "INVALID_PARAMETER_VALUE",
        "for parameter 'params' supplied: expected a list.",
      );
      await fails(
        post("runs/update", { run_id: id, status: "DONE" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "parameter 'status' supplied: expected one of RUNNING",
      );
      const data = ((await ok(get("runs/get", { run_id: id }))).run as { data: Json }).data;
      expect(data.metrics).toBeUndefined();
    });

    it("keeps accepting numbers as strings where MLflow clients send them", async () => {
      const id = await newRun();
      await ok(post("runs/log-metric", { run_id: id, key: "acc", value: "0.5", timestamp: "1700000000000", step: "2" }));
      await ok(post("runs/update", { run_uuid: id, status: 3, end_time: "1700000009000" }));
      const history = await ok(get("metrics/get-history", { run_id: id, metric_key: "acc", max_results: "5" }));
      expect(history.metrics).toEqual([{ key: "acc", value: 0.5, timestamp: 1700000000000, step: 2 }]);
      expect(((await ok(get("runs/get", { run_id: id }))).run as { info: Json }).info).toMatchObject({
        status: "FINISHED",
        end_time: 1700000009000,
      });
    });

    it("answers unknown paths and wrong methods with 404 ENDPOINT_NOT_FOUND", async () => {
      await fails(post("runs/frobnicate"), 404, "ENDPOINT_NOT_FOUND", "No API endpoint /2.0/mlflow/runs/frobnicate.");
      await fails(call("GET", "logged-models/m-1/tags/k/extra", {}, alice), 404, "ENDPOINT_NOT_FOUND", "No API endpoint");
      await fails(get("runs/log-batch"), 404, "ENDPOINT_NOT_FOUND", "GET is not supported for /2.0/mlflow/runs/log-batch; use POST.");
      await fails(get("logged-models/search"), 404, "ENDPOINT_NOT_FOUND", "use POST");
      await fails(call("PATCH", "registered-models/alias", {}, alice), 404, "ENDPOINT_NOT_FOUND", "use POST or DELETE or GET");
    });

    it("lets only the owner (or an admin) change a run, a registered model or a logged model, in MLflow's format", async () => {
      const id = await newRun();
      const refused = await call("POST", "runs/set-tag", { run_id: id, key: "k", value: "v" }, bob);
      expect(refused).toEqual({
        status: 403,
        body: { error_code: "PERMISSION_DENIED", message: `Only op-alice or an admin may write to run ${id}.` },
      });
      await ok(post("runs/set-tag", { run_id: id, key: "k", value: "v" }, principal("op-root", true)));
      const model = unique("op-model");
      await ok(post("registered-models/create", { name: model }));
      await fails(
        call("PATCH", "registered-models/update", { name: model, description: "mine" }, bob),
        403,
        "PERMISSION_DENIED",
        `Only op-alice or an admin may change registered model ${model}.`,
      );
      const { experiment_id } = await ok(post("experiments/create", { name: unique("op-lm") }));
      const { model: logged } = (await ok(post("logged-models", { experiment_id }))) as { model: { info: { model_id: string } } };
      await fails(
        call("DELETE", `logged-models/${logged.info.model_id}`, {}, bob),
        403,
        "PERMISSION_DENIED",
        "Only op-alice or an admin may delete logged model",
      );
      await ok(get(`logged-models/${logged.info.model_id}`, {}, bob));
    });

    it("refuses a run in another person's experiment, a job's too: creating one needs EDIT on it (docs/projects.md)", async () => {
      // The experiment a job's executions log into, made as the job's owner does (lib/jobs/tracking-run.ts).
      const experiment_id = String((await ok(post("experiments/create", { name: unique("jobs/op-alice/nightly") }))).experiment_id);
      await fails(
        post("runs/create", { experiment_id }, bob),
        403,
        "PERMISSION_DENIED",
        `Only op-alice or an admin may add to experiment ${experiment_id}.`,
      );
      await fails(post("logged-models", { experiment_id }, bob), 403, "PERMISSION_DENIED", `may add to experiment ${experiment_id}.`);
      const runs = (await ok(post("runs/search", { experiment_ids: [experiment_id] }, bob))) as { runs?: unknown[] };
      expect(runs.runs ?? []).toEqual([]);
      // Her own runs, and everyone's in MLflow's Default experiment, as clients that never chose one log there.
      await ok(post("runs/create", { experiment_id }));
      await ok(post("runs/create", { experiment_id: "0" }, bob));
    });

    it("runs a write in one transaction: a refusal after its first write leaves nothing", async () => {
      const id = await newRun();
      const halfway: Operation = {
        path: "test/half-way",
        methods: ["POST"],
        input: z.object({ run_id: z.string() }),
        access: changes("active-run"),
        handle: async (ctx, _input, run: { runUuid: string }) => {
          await runTagRows.set(ctx.db, { runUuid: run.runUuid }, [{ key: "half", value: "way" }]);
          throw invalidParam("Refused after the first write.");
        },
      };
      await expect(runOperation({ db: db(), principal: alice }, halfway, { run_id: id })).rejects.toThrow("Refused after the first write.");
      const tags = ((await ok(get("runs/get", { run_id: id }))).run as { data: { tags?: Json[] } }).data.tags ?? [];
      expect(tags.map((t) => t.key)).not.toContain("half");
    });
  });
}
