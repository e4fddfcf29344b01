import { beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { handleTrackingRequest } from "./http/dispatch";

const alice: Principal = { name: "alice", userId: "id-alice", role: "user", admin: false, via: "token" };
const bob: Principal = { name: "bob", userId: "id-bob", role: "user", admin: false, via: "token" };
const admin: Principal = { name: "root", role: "admin", admin: true, via: "token" };

type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body: Json;
}

let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

for (const kind of DB_KINDS) {
  describe(`MLflow tracking API (${kind})`, () => {
    const db = useTestDatabase(kind);

    async function call(
      method: string,
      path: string,
      payload: Json = {},
      who: Principal = alice,
      prefix = "/api/2.0/mlflow/",
    ): Promise<Reply> {
      const url = new URL(`http://atrium.test${prefix}${path}`);
      let init: RequestInit = { method };
      if (method === "GET") {
        for (const [k, v] of Object.entries(payload)) {
          for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(k, String(item));
        }
      } else {
        init = { method, headers: { "content-type": "application/json" }, body: JSON.stringify(payload) };
      }
      const res = await handleTrackingRequest(new Request(url, init), { db: db(), principal: who }, path.split("/"));
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
    }
    const post = (path: string, payload: Json = {}, who: Principal = alice) => call("POST", path, payload, who);
    const get = (path: string, payload: Json = {}, who: Principal = alice) => call("GET", path, payload, who);

    async function ok(p: Promise<Reply>): Promise<Json> {
      const r = await p;
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return r.body;
    }
    async function fails(p: Promise<Reply>, status: number, code: string, message?: string | RegExp): Promise<string> {
      const r = await p;
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error_code).toBe(code);
      const msg = String(r.body.message);
      if (typeof message === "string") expect(msg).toContain(message);
      else if (message) expect(msg).toMatch(message);
      return msg;
    }
    async function newExperiment(who: Principal = alice): Promise<string> {
      const body = await ok(post("experiments/create", { name: unique("exp") }, who));
      return String(body.experiment_id);
    }
    async function newRun(experimentId: string, extra: Json = {}, who: Principal = alice): Promise<string> {
      const body = await ok(post("runs/create", { experiment_id: experimentId, ...extra }, who));
      const run = body.run as { info: { run_id: string } };
      return run.info.run_id;
    }
    const runOf = (body: Json) => body.run as { info: Json; data: { metrics?: Json[]; params?: Json[]; tags?: Json[] } };

    describe("routing and wire", () => {
      it("answers unknown endpoints with 404 ENDPOINT_NOT_FOUND", async () => {
        await fails(post("runs/frobnicate"), 404, "ENDPOINT_NOT_FOUND");
        await fails(post("runs/get", { run_id: "x" }), 404, "ENDPOINT_NOT_FOUND", "use GET");
      });
      it("serves the same handlers under /ajax-api", async () => {
        const r = await call("GET", "experiments/get", { experiment_id: "0" }, alice, "/ajax-api/2.0/mlflow/");
        expect(r.status).toBe(200);
      });
      it("requires a JSON content type on POST and reports missing parameters", async () => {
        const res = await handleTrackingRequest(
          new Request("http://atrium.test/api/2.0/mlflow/experiments/create", { method: "POST", body: "{}" }),
          { db: db(), principal: alice },
          ["experiments", "create"],
        );
        // fetch adds text/plain for a string body: still not JSON.
        expect(res.status).toBe(400);
        expect(((await res.json()) as Json).error_code).toBe("INVALID_PARAMETER_VALUE");
        await fails(post("experiments/create", {}), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name'");
        await fails(
          post("runs/log-metric", { key: "a", value: 1, timestamp: 1 }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Missing value for required parameter 'run_id'",
        );
      });
    });

    describe("experiments", () => {
      it("has the Default experiment 0", async () => {
        const body = await ok(get("experiments/get", { experiment_id: "0" }));
        expect(body.experiment).toMatchObject({
          experiment_id: "0",
          name: "Default",
          artifact_location: "mlflow-artifacts:/0",
          lifecycle_stage: "active",
        });
        expect(typeof (body.experiment as Json).creation_time).toBe("number");
      });

      it("refuses an artifact_location in the portal's store or with '..', and keeps one the client writes to itself", async () => {
        await fails(
          post("experiments/create", { name: unique("exp-loc"), artifact_location: "mlflow-artifacts:/team-a/exp1" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "artifact_location 'mlflow-artifacts:/team-a/exp1' is not allowed: the portal chooses where it stores an experiment's artifacts (mlflow-artifacts:/<experiment_id>); leave artifact_location out, or give a location your client writes to itself, such as s3://bucket/path.",
        );
        await fails(
          post("experiments/create", { name: unique("exp-loc"), artifact_location: "MLFLOW-ARTIFACTS:/../../x" }),
          400,
          "INVALID_PARAMETER_VALUE",
        );
        await fails(
          post("experiments/create", { name: unique("exp-loc"), artifact_location: "s3://bucket/../other" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "artifact_location 's3://bucket/../other' has a '..' segment; give the location without it.",
        );
        const created = await ok(post("experiments/create", { name: unique("exp-loc"), artifact_location: "s3://bucket/team-a" }));
        const got = await ok(get("experiments/get", { experiment_id: String(created.experiment_id) }));
        expect((got.experiment as Json).artifact_location).toBe("s3://bucket/team-a");
      });

      it("creates, rejects a duplicate name, gets by id and by name", async () => {
        const name = unique("exp-a");
        const created = await ok(post("experiments/create", { name, tags: [{ key: "team", value: "ml" }] }));
        const id = String(created.experiment_id);
        expect(id).toMatch(/^[1-9]\d*$/);
        await fails(post("experiments/create", { name }), 400, "RESOURCE_ALREADY_EXISTS", `Experiment(name=${name}) already exists.`);
        const byId = await ok(get("experiments/get", { experiment_id: id }));
        expect(byId.experiment).toMatchObject({
          experiment_id: id,
          name,
          artifact_location: `mlflow-artifacts:/${id}`,
          tags: [{ key: "team", value: "ml" }],
        });
        const byName = await ok(get("experiments/get-by-name", { experiment_name: name }));
        expect(byName.experiment).toEqual(byId.experiment);
        await fails(
          get("experiments/get-by-name", { experiment_name: "nope" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          "Could not find experiment with name 'nope'",
        );
        await fails(
          get("experiments/get", { experiment_id: "999999" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          "No Experiment with id=999999 exists",
        );
        await fails(get("experiments/get", {}), 400, "INVALID_PARAMETER_VALUE", "experiment_id");
      });

      it("renames, tags, deletes and restores (with its runs); only the owner or an admin may", async () => {
        const id = await newExperiment();
        const runId = await newRun(id);
        const newName = unique("renamed");
        await fails(post("experiments/update", { experiment_id: id, new_name: newName }, bob), 403, "PERMISSION_DENIED");
        await ok(post("experiments/update", { experiment_id: id, new_name: newName }));
        expect((await ok(get("experiments/get", { experiment_id: id }))).experiment).toMatchObject({ name: newName });
        await fails(post("experiments/update", { experiment_id: id, new_name: "Default" }), 400, "RESOURCE_ALREADY_EXISTS");

        await ok(post("experiments/set-experiment-tag", { experiment_id: id, key: "k", value: "v1" }));
        await ok(post("experiments/set-experiment-tag", { experiment_id: id, key: "k", value: "v2" }));
        expect((await ok(get("experiments/get", { experiment_id: id }))).experiment).toMatchObject({ tags: [{ key: "k", value: "v2" }] });
        await ok(post("experiments/delete-experiment-tag", { experiment_id: id, key: "k" }));
        await fails(
          post("experiments/delete-experiment-tag", { experiment_id: id, key: "k" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `No tag with name: k in experiment with id ${id}`,
        );

        await ok(post("experiments/delete", { experiment_id: id }, admin));
        expect((await ok(get("experiments/get", { experiment_id: id }))).experiment).toMatchObject({ lifecycle_stage: "deleted" });
        expect(runOf(await ok(get("runs/get", { run_id: runId }))).info.lifecycle_stage).toBe("deleted");
        await fails(
          post("experiments/update", { experiment_id: id, new_name: unique("x") }),
          500,
          "INVALID_STATE",
          "Cannot rename a non-active experiment.",
        );
        await fails(
          post("runs/create", { experiment_id: id }),
          400,
          "INVALID_PARAMETER_VALUE",
          `The experiment ${id} must be in the 'active' state. Current state is deleted.`,
        );

        await ok(post("experiments/restore", { experiment_id: id }));
        expect(runOf(await ok(get("runs/get", { run_id: runId }))).info.lifecycle_stage).toBe("active");
        await fails(post("experiments/delete", { experiment_id: "0" }), 403, "PERMISSION_DENIED");
      });

      it("searches with filter, order_by, view_type and paging", async () => {
        const tag = unique("s");
        const names = [`${tag}-b`, `${tag}-a`, `${tag}-c`];
        const ids: string[] = [];
        for (const name of names)
          ids.push(String((await ok(post("experiments/create", { name, tags: [{ key: "grp", value: tag }] }))).experiment_id));
        await ok(post("experiments/delete", { experiment_id: ids[2] }));

        const active = await ok(post("experiments/search", { filter: `name LIKE '${tag}-%'`, order_by: ["name ASC"], max_results: 1000 }));
        expect((active.experiments as Json[]).map((e) => e.name)).toEqual([`${tag}-a`, `${tag}-b`]);
        expect(active.next_page_token).toBeUndefined();

        const all = await ok(post("experiments/search", { filter: `tags.grp = '${tag}'`, view_type: "ALL", order_by: ["name DESC"] }));
        expect((all.experiments as Json[]).map((e) => e.name)).toEqual([`${tag}-c`, `${tag}-b`, `${tag}-a`]);
        const deleted = await ok(post("experiments/search", { filter: `tags.grp = '${tag}'`, view_type: 2 }));
        expect((deleted.experiments as Json[]).map((e) => e.name)).toEqual([`${tag}-c`]);

        const page1 = await ok(
          post("experiments/search", { filter: `name ILIKE '${tag.toUpperCase()}-%'`, max_results: 1, order_by: ["name"] }),
        );
        expect((page1.experiments as Json[]).map((e) => e.name)).toEqual([`${tag}-a`]);
        expect(page1.next_page_token).toBe("eyJvZmZzZXQiOiAxfQ==");
        const page2 = await ok(
          post("experiments/search", {
            filter: `name ILIKE '${tag}-%'`,
            max_results: 1,
            order_by: ["name"],
            page_token: page1.next_page_token,
          }),
        );
        expect((page2.experiments as Json[]).map((e) => e.name)).toEqual([`${tag}-b`]);
        expect(page2.next_page_token).toBeUndefined();

        // GET with repeated order_by keys works too.
        const viaGet = await ok(get("experiments/search", { filter: `name LIKE '${tag}-%'`, order_by: ["name DESC"] }));
        expect((viaGet.experiments as Json[]).map((e) => e.name)).toEqual([`${tag}-b`, `${tag}-a`]);

        await fails(post("experiments/search", { filter: "owner = 'x'" }), 400, "INVALID_PARAMETER_VALUE");
        await fails(post("experiments/search", { order_by: ["colour"] }), 400, "INVALID_PARAMETER_VALUE");
        await fails(post("experiments/search", { page_token: "%%%" }), 400, "INVALID_PARAMETER_VALUE", "Invalid page token");
      });
    });

    describe("runs", () => {
      it("creates a run as the caller with mlflow.runName, gets it, and rejects unknown experiments", async () => {
        const exp = await newExperiment();
        const body = await ok(
          post("runs/create", {
            experiment_id: exp,
            user_id: "someone-else",
            start_time: 1700000000000,
            run_name: "r1",
            tags: [{ key: "mlflow.user", value: "alice" }],
          }),
        );
        const run = runOf(body);
        const id = String(run.info.run_id);
        expect(id).toMatch(/^[0-9a-f]{32}$/);
        expect(body.run).toEqual({
          info: {
            run_uuid: id,
            run_id: id,
            experiment_id: exp,
            user_id: "alice",
            status: "RUNNING",
            start_time: 1700000000000,
            artifact_uri: `mlflow-artifacts:/${exp}/${id}/artifacts`,
            lifecycle_stage: "active",
            run_name: "r1",
          },
          data: {
            tags: [
              { key: "mlflow.runName", value: "r1" },
              { key: "mlflow.user", value: "alice" },
            ],
          },
          inputs: {},
        });
        expect((await ok(get("runs/get", { run_id: id }, bob))).run).toEqual(body.run);
        expect((await ok(get("runs/get", { run_uuid: id }))).run).toEqual(body.run);

        await fails(post("runs/create", { experiment_id: "999" }), 404, "RESOURCE_DOES_NOT_EXIST", "No Experiment with id=999 exists");
        await fails(
          get("runs/get", { run_id: "0123456789abcdef0123456789abcdef" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          "Run with id=0123456789abcdef0123456789abcdef not found",
        );
        await fails(
          post("runs/create", { experiment_id: exp, run_name: "a", tags: [{ key: "mlflow.runName", value: "b" }] }),
          400,
          "INVALID_PARAMETER_VALUE",
          "different values",
        );

        const generated = runOf(await ok(post("runs/create", {})));
        expect(generated.info.experiment_id).toBe("0");
        expect(String(generated.info.run_name)).toMatch(/^[a-z]+-[a-z]+-\d+$/);
        expect(generated.data.tags).toEqual([{ key: "mlflow.runName", value: generated.info.run_name }]);
      });

      it("updates status, end time and name; deletes and restores", async () => {
        const exp = await newExperiment();
        const id = await newRun(exp);
        const upd = await ok(post("runs/update", { run_id: id, run_uuid: id, status: "FINISHED", end_time: 1700000009000 }));
        expect(upd.run_info).toMatchObject({ run_id: id, status: "FINISHED", end_time: 1700000009000 });
        await ok(post("runs/update", { run_id: id, status: 4, run_name: "renamed" }));
        const run = runOf(await ok(get("runs/get", { run_id: id })));
        expect(run.info).toMatchObject({ status: "FAILED", run_name: "renamed", end_time: 1700000009000 });
        expect(run.data.tags).toContainEqual({ key: "mlflow.runName", value: "renamed" });
        await fails(post("runs/update", { run_id: id, status: "DONE" }), 400, "INVALID_PARAMETER_VALUE");

        await ok(post("runs/set-tag", { run_id: id, key: "mlflow.runName", value: "via-tag" }));
        expect(runOf(await ok(get("runs/get", { run_id: id }))).info.run_name).toBe("via-tag");

        await ok(post("runs/delete", { run_id: id }));
        await fails(
          post("runs/set-tag", { run_id: id, key: "k", value: "v" }),
          400,
          "INVALID_PARAMETER_VALUE",
          `The run ${id} must be in the 'active' state. Current state is deleted.`,
        );
        expect(runOf(await ok(get("runs/get", { run_id: id }))).info.lifecycle_stage).toBe("deleted");
        expect((await ok(post("runs/search", { experiment_ids: [exp] }))).runs).toBeUndefined();
        expect(((await ok(post("runs/search", { experiment_ids: [exp], run_view_type: "DELETED_ONLY" }))).runs as Json[]).length).toBe(1);
        await ok(post("runs/restore", { run_id: id }));
        expect(((await ok(post("runs/search", { experiment_ids: [exp] }))).runs as Json[]).length).toBe(1);
      });

      it("lets only the run's owner or an admin write to it", async () => {
        const exp = await newExperiment();
        const id = await newRun(exp);
        await fails(post("runs/log-metric", { run_id: id, key: "m", value: 1, timestamp: 1 }, bob), 403, "PERMISSION_DENIED");
        await fails(post("runs/log-batch", { run_id: id, params: [{ key: "a", value: "1" }] }, bob), 403, "PERMISSION_DENIED");
        await fails(post("runs/set-tag", { run_id: id, key: "k", value: "v" }, bob), 403, "PERMISSION_DENIED");
        await fails(post("runs/delete", { run_id: id }, bob), 403, "PERMISSION_DENIED");
        await fails(post("runs/update", { run_id: id, status: "KILLED" }, bob), 403, "PERMISSION_DENIED");
        await ok(post("runs/set-tag", { run_id: id, key: "k", value: "v" }, admin));
        // bob reads her run, but may not create his own in her experiment: that needs EDIT on it (docs/projects.md).
        await ok(get("metrics/get-history", { run_id: id, metric_key: "m" }, bob));
        await fails(
          post("runs/create", { experiment_id: exp }, bob),
          403,
          "PERMISSION_DENIED",
          `Only alice or an admin may add to experiment ${exp}.`,
        );
      });

      it("keeps params write-once", async () => {
        const id = await newRun(await newExperiment());
        expect(await ok(post("runs/log-parameter", { run_id: id, key: "lr", value: "0.1" }))).toEqual({});
        await ok(post("runs/log-parameter", { run_id: id, key: "lr", value: "0.1" }));
        await fails(
          post("runs/log-parameter", { run_id: id, key: "lr", value: "0.2" }),
          400,
          "INVALID_PARAMETER_VALUE",
          `Changing param values is not allowed. Param with key='lr' was already logged with value='0.1' for run ID='${id}'. Attempted logging new value '0.2'.`,
        );
        await ok(
          post("runs/log-batch", {
            run_id: id,
            params: [
              { key: "lr", value: "0.1" },
              { key: "bs", value: "32" },
            ],
          }),
        );
        await fails(
          post("runs/log-batch", { run_id: id, params: [{ key: "lr", value: "0.3" }] }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Params were already logged=",
        );
        // A refused batch writes nothing of itself: not its new params, metrics or tags.
        await fails(
          post("runs/log-batch", {
            run_id: id,
            params: [
              { key: "fresh", value: "1" },
              { key: "lr", value: "0.4" },
            ],
            metrics: [{ key: "loss", value: 1, timestamp: 1700000000000, step: 0 }],
            tags: [{ key: "t", value: "v" }],
          }),
          400,
          "INVALID_PARAMETER_VALUE",
        );
        const after = runOf(await ok(get("runs/get", { run_id: id }))).data;
        expect(after.params).toEqual([
          { key: "bs", value: "32" },
          { key: "lr", value: "0.1" },
        ]);
        expect(after.metrics ?? []).toEqual([]);
        expect(JSON.stringify(after.tags ?? [])).not.toContain('"key":"t"');
        expect(runOf(await ok(get("runs/get", { run_id: id }))).data.params).toEqual([
          { key: "bs", value: "32" },
          { key: "lr", value: "0.1" },
        ]);
      });

      it("keeps metric history and the latest point by (step, timestamp, value)", async () => {
        const id = await newRun(await newExperiment());
        await ok(post("runs/log-metric", { run_id: id, key: "acc", value: 0.5, timestamp: 1700000001000, step: 0 }));
        await ok(post("runs/log-metric", { run_id: id, key: "acc", value: 0.4, timestamp: 1700000000500, step: 1 }));
        await ok(post("runs/log-metric", { run_id: id, key: "acc", value: 0.4, timestamp: 1700000000500, step: 1 })); // exact duplicate: ignored
        expect(runOf(await ok(get("runs/get", { run_id: id }))).data.metrics).toEqual([
          { key: "acc", value: 0.4, timestamp: 1700000000500, step: 1 },
        ]);
        const hist = await ok(get("metrics/get-history", { run_id: id, metric_key: "acc" }));
        expect(hist).toEqual({
          metrics: [
            { key: "acc", value: 0.4, timestamp: 1700000000500, step: 1 },
            { key: "acc", value: 0.5, timestamp: 1700000001000, step: 0 },
          ],
        });
        const p1 = await ok(get("metrics/get-history", { run_id: id, metric_key: "acc", max_results: 1 }));
        expect((p1.metrics as Json[]).length).toBe(1);
        const p2 = await ok(
          get("metrics/get-history", { run_id: id, metric_key: "acc", max_results: 1, page_token: String(p1.next_page_token) }),
        );
        expect(p2).toEqual({ metrics: [{ key: "acc", value: 0.5, timestamp: 1700000001000, step: 0 }] });
        expect(await ok(get("metrics/get-history", { run_id: id, metric_key: "none" }))).toEqual({});
        await fails(
          get("metrics/get-history", { run_id: "0123456789abcdef0123456789abcdef", metric_key: "acc" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
        );

        // Same step, later timestamp wins; NaN and infinities travel as strings; step as a numeric string.
        await ok(
          post("runs/log-batch", {
            run_id: id,
            metrics: [
              { key: "loss", value: 2, timestamp: 10, step: "3" },
              { key: "loss", value: 1, timestamp: 11, step: 3 },
              { key: "nan", value: "NaN", timestamp: 1 },
              { key: "inf", value: "-Infinity", timestamp: 1 },
            ],
          }),
        );
        const metrics = runOf(await ok(get("runs/get", { run_id: id }))).data.metrics ?? [];
        expect(metrics).toContainEqual({ key: "loss", value: 1, timestamp: 11, step: 3 });
        expect(metrics).toContainEqual({ key: "nan", value: "NaN", timestamp: 1, step: 0 });
        expect(metrics).toContainEqual({ key: "inf", value: -Number.MAX_VALUE, timestamp: 1, step: 0 });

        await fails(post("runs/log-metric", { run_id: id, key: "bad//name", value: 1, timestamp: 1 }), 400, "INVALID_PARAMETER_VALUE");
        await fails(post("runs/log-metric", { run_id: id, key: "a!b", value: 1, timestamp: 1 }), 400, "INVALID_PARAMETER_VALUE");
        await fails(post("runs/log-metric", { run_id: id, key: "ok", value: true, timestamp: 1 }), 400, "INVALID_PARAMETER_VALUE");
        await fails(post("runs/log-metric", { run_id: id, key: "ok", value: 1 }), 400, "INVALID_PARAMETER_VALUE", "timestamp");
        await fails(post("runs/log-metric", { run_id: id, key: "ok", value: 1, timestamp: -1 }), 400, "INVALID_PARAMETER_VALUE");
      });

      it("enforces log-batch limits and duplicate param keys; tags upsert and delete", async () => {
        const id = await newRun(await newExperiment());
        const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: "1" }));
        await fails(
          post("runs/log-batch", { run_id: id, params }),
          400,
          "INVALID_PARAMETER_VALUE",
          "A batch logging request can contain at most 100 params. Got 101 params. Please split up params across multiple requests and try again.",
        );
        const metrics = Array.from({ length: 1001 }, (_, i) => ({ key: "m", value: i, timestamp: i }));
        await fails(post("runs/log-batch", { run_id: id, metrics }), 400, "INVALID_PARAMETER_VALUE", "at most 1000 metrics");
        const tags = Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: "1" }));
        await fails(post("runs/log-batch", { run_id: id, tags }), 400, "INVALID_PARAMETER_VALUE", "at most 100 tags");
        await fails(
          post("runs/log-batch", { run_id: id, metrics: metrics.slice(0, 950), params: params.slice(0, 60) }),
          400,
          "INVALID_PARAMETER_VALUE",
          "at most 1000 total",
        );
        await fails(
          post("runs/log-batch", {
            run_id: id,
            params: [
              { key: "a", value: "1" },
              { key: "a", value: "2" },
            ],
          }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Duplicate parameter keys have been submitted: ['a']",
        );
        await ok(
          post("runs/log-batch", {
            run_id: id,
            tags: [
              { key: "t", value: "1" },
              { key: "t", value: "2" },
            ],
          }),
        );
        expect(runOf(await ok(get("runs/get", { run_id: id }))).data.tags).toContainEqual({ key: "t", value: "2" });
        await ok(post("runs/delete-tag", { run_id: id, key: "t" }));
        await fails(
          post("runs/delete-tag", { run_id: id, key: "t" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `No tag with name: t in run with id ${id}`,
        );
        // Over-long tag values are truncated, as MLflow does by default.
        await ok(post("runs/set-tag", { run_id: id, key: "long", value: "x".repeat(9000) }));
        const long = runOf(await ok(get("runs/get", { run_id: id }))).data.tags?.find((t) => t.key === "long");
        expect(String(long?.value).length).toBe(8000);
      });

      it("takes 8 concurrent writers × 10k metrics into one run", async () => {
        const id = await newRun(await newExperiment());
        const writers = 8;
        const perWriter = 10_000;
        const batch = 1000;
        await Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let start = 0; start < perWriter; start += batch) {
              const metrics = Array.from({ length: batch }, (_, j) => {
                const i = start + j;
                // Every writer logs keys k0..k9, so batches from different writers contend for the same latest rows.
                return { key: `k${i % 10}`, value: w * 1_000_000 + i, timestamp: 1_000 + i, step: Math.floor(i / 10) * writers + w };
              });
              const r = await post("runs/log-batch", { run_id: id, metrics });
              expect(r.status, JSON.stringify(r.body)).toBe(200);
            }
          }),
        );
        const { metrics: mt } = await import("@/db/schema");
        const { eq, count } = await import("drizzle-orm");
        const [row] = await db().select({ n: count() }).from(mt).where(eq(mt.runUuid, id));
        expect(row?.n).toBe(writers * perWriter);
        const latest = runOf(await ok(get("runs/get", { run_id: id }))).data.metrics ?? [];
        expect(latest).toHaveLength(10);
        // The highest step for key k<r> is written by the last writer (w = 7) at i = 9990 + r.
        for (let r = 0; r < 10; r++) {
          const i = 9990 + r;
          expect(latest).toContainEqual({
            key: `k${r}`,
            value: 7 * 1_000_000 + i,
            timestamp: 1_000 + i,
            step: Math.floor(i / 10) * writers + 7,
          });
        }
        const hist = await ok(get("metrics/get-history", { run_id: id, metric_key: "k3" }));
        expect((hist.metrics as Json[]).length).toBe(writers * 1000);
      }, 120_000);
    });

    describe("runs/search", () => {
      let exp = "";
      const ids: Record<string, string> = {};

      async function search(payload: Json): Promise<Json> {
        return ok(post("runs/search", { experiment_ids: [exp], ...payload }));
      }
      const names = (body: Json) => ((body.runs as { info: { run_name: string } }[] | undefined) ?? []).map((r) => r.info.run_name);

      beforeAll(async () => {
        if (!db.ready()) return;
        exp = await newExperiment();
        const specs: [string, number | null, string, string, number][] = [
          ["A", 0.9, "0.1", "alice", 1000],
          ["B", 0.7, "0.1", "alice", 2000],
          ["C", 0.2, "0.2", "bob", 3000],
          ["D", null, "0.3", "bob", 4000],
        ];
        for (const [name, acc, lr, who, start] of specs) {
          // Creating a run in alice's experiment needs EDIT on it (docs/projects.md): bob's runs come from an admin bob.
          const principal = who === "alice" ? alice : { ...bob, admin: true };
          const id = await newRun(exp, { run_name: name, start_time: start }, principal);
          ids[name] = id;
          const metrics = acc === null ? [] : [{ key: "acc", value: acc, timestamp: 1, step: 0 }];
          await ok(
            post(
              "runs/log-batch",
              {
                run_id: id,
                metrics,
                params: [{ key: "lr", value: lr }],
                tags: [{ key: "model", value: name === "D" ? "Tree" : "linear" }],
              },
              principal,
            ),
          );
        }
      });

      it("follows the contract's paging example", async () => {
        const q = { filter: "metrics.acc > 0.5 and params.lr = '0.1'", order_by: ["metrics.acc DESC"], max_results: 1 };
        const p1 = await search(q);
        expect(names(p1)).toEqual(["A"]);
        expect(p1.next_page_token).toBe("eyJvZmZzZXQiOiAxfQ==");
        const p2 = await search({ ...q, page_token: p1.next_page_token });
        expect(names(p2)).toEqual(["B"]);
        expect(p2.next_page_token).toBe("eyJvZmZzZXQiOiAyfQ==");
        expect(await search({ ...q, page_token: p2.next_page_token })).toEqual({});
        await fails(
          post("runs/search", { experiment_ids: [exp], filter: "metrics.acc > 'x'" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Invalid filter",
        );
      });

      it("defaults to start_time DESC and returns full runs", async () => {
        const body = await search({});
        expect(names(body)).toEqual(["D", "C", "B", "A"]);
        expect(body.next_page_token).toBeUndefined();
        const a = (body.runs as ReturnType<typeof runOf>[])[3];
        expect(a?.data.metrics).toEqual([{ key: "acc", value: 0.9, timestamp: 1, step: 0 }]);
        expect(a?.data.params).toEqual([{ key: "lr", value: "0.1" }]);
      });

      it("supports OR, parentheses, IN, LIKE/ILIKE and IS NULL", async () => {
        expect(names(await search({ filter: "metrics.acc < 0.5 OR params.lr = '0.3'" }))).toEqual(["D", "C"]);
        expect(
          names(
            await search({ filter: "(params.lr = '0.1' OR params.lr = '0.2') AND attributes.user_id = 'alice'", order_by: ["run_name"] }),
          ),
        ).toEqual(["A", "B"]);
        expect(names(await search({ filter: "params.lr IN ('0.2', '0.3')", order_by: ["run_name DESC"] }))).toEqual(["D", "C"]);
        expect(names(await search({ filter: "tags.model ILIKE 'TREE'" }))).toEqual(["D"]);
        expect(names(await search({ filter: "tags.model LIKE 'lin%'", order_by: ["start_time ASC"] }))).toEqual(["A", "B", "C"]);
        expect(names(await search({ filter: "metrics.acc IS NULL" }))).toEqual(["D"]);
        expect(names(await search({ filter: "params.missing != 'x'" }))).toEqual([]);
        expect(names(await search({ filter: `run_id IN ('${ids.A}', '${ids.C}')` }))).toEqual(["C", "A"]);
        expect(names(await search({ filter: "attributes.start_time >= 2000 and status = 'RUNNING'" }))).toEqual(["D", "C", "B"]);
        expect(names(await search({ filter: "tags.`mlflow.runName` = 'B'" }))).toEqual(["B"]);
        // Keys and values are bound parameters: quotes inside them cannot break out.
        expect(names(await search({ filter: "params.`x' OR 1=1 --` = 'y'" }))).toEqual([]);
        await fails(post("runs/search", { experiment_ids: [exp], filter: "foo = 'x'" }), 400, "INVALID_PARAMETER_VALUE");
      });

      it("orders by metrics and params with missing values last", async () => {
        expect(names(await search({ order_by: ["metrics.acc DESC"] }))).toEqual(["A", "B", "C", "D"]);
        expect(names(await search({ order_by: ["metrics.acc ASC"] }))).toEqual(["C", "B", "A", "D"]);
        expect(names(await search({ order_by: ["params.lr DESC", "run_name ASC"] }))).toEqual(["D", "C", "A", "B"]);
        await fails(post("runs/search", { experiment_ids: [exp], order_by: ["metrics.acc SIDEWAYS"] }), 400, "INVALID_PARAMETER_VALUE");
      });

      it("validates max_results and page_token", async () => {
        await fails(post("runs/search", { experiment_ids: [exp], max_results: 50001 }), 400, "INVALID_PARAMETER_VALUE");
        await fails(post("runs/search", { experiment_ids: [exp], max_results: 0 }), 400, "INVALID_PARAMETER_VALUE");
        await fails(
          post("runs/search", { experiment_ids: [exp], page_token: "bm9wZQ==" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Invalid page token",
        );
        const two = await search({ max_results: 2 });
        expect(names(two)).toEqual(["D", "C"]);
        expect(names(await search({ max_results: 2, page_token: two.next_page_token }))).toEqual(["B", "A"]);
      });
    });
  });
}
