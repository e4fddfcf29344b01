/**
 * GenAI evaluation datasets and registered scorers against the portal, on PGlite and Postgres. Each request is
 * the one the MLflow 3 client sends (mlflow/store/tracking/rest_store.py: the function named in each test;
 * routes and fields from mlflow/protos/service.proto, payloads from mlflow/protos/datasets.proto), checked for
 * the status, error code and body the client reads.
 */
import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { principal, trackingClient, type Json } from "../testing";
import { MAX_DATASET_RECORDS } from "./limits";

const alice = principal("ev-alice");
const bob = principal("ev-bob");
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;
const records = (list: Json[]) => JSON.stringify(list);

for (const kind of DB_KINDS) {
  describe(`GenAI evaluation datasets and scorers (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { ok, fails, call: call2 } = trackingClient(db);
    const { call: call3 } = trackingClient(db, "/api/3.0/mlflow/");
    const v3 = (method: string, path: string, body: Json = {}, who = alice) => call3(method, path, body, who);
    const newExperiment = async (who = alice) =>
      String((await ok(call2("POST", "experiments/create", { name: unique("ev-exp") }, who))).experiment_id);
    /** create_dataset: CreateDataset(name, experiment_ids, tags=json.dumps(tags)). */
    const createDataset = async (exp: string, name = unique("ev-ds"), who = alice) =>
      (await ok(v3("POST", "datasets/create", { name, experiment_ids: [exp], tags: JSON.stringify({ team: "qa" }) }, who))).dataset as Json;

    it("create_dataset, get_dataset and get_dataset_experiment_ids answer MLflow's Dataset", async () => {
      const exp = await newExperiment();
      const ds = await createDataset(exp, "ev-golden");
      expect(ds).toMatchObject({
        name: "ev-golden",
        tags: JSON.stringify({ team: "qa" }),
        experiment_ids: [exp],
        created_by: "ev-alice",
        last_updated_by: "ev-alice",
      });
      expect(String(ds.dataset_id)).toMatch(/^d-[0-9a-f]{32}$/);
      expect(typeof ds.created_time).toBe("number");
      expect(typeof ds.digest).toBe("string");
      // get_dataset: GET /api/3.0/mlflow/datasets/{dataset_id} without a body.
      expect((await ok(v3("GET", `datasets/${String(ds.dataset_id)}`, {}, bob))).dataset).toEqual(ds);
      expect(await ok(v3("GET", `datasets/${String(ds.dataset_id)}/experiment-ids`))).toEqual({ experiment_ids: [exp] });
      await fails(v3("GET", "datasets/d-00000000000000000000000000000000"), 404, "RESOURCE_DOES_NOT_EXIST", "not found");
      // Nothing under /api/2.0/mlflow/: the client only calls the 3.0 path.
      await fails(call2("POST", "datasets/create", { name: "x", experiment_ids: [exp] }, alice), 404, "ENDPOINT_NOT_FOUND");
    });

    it("refuses a dataset without an experiment or in someone else's experiment, and keeps nothing", async () => {
      const exp = await newExperiment();
      await fails(v3("POST", "datasets/create", { name: "ev-none" }), 400, "INVALID_PARAMETER_VALUE", "experiment_ids");
      await fails(v3("POST", "datasets/create", { experiment_ids: [exp] }), 400, "INVALID_PARAMETER_VALUE", "'name'");
      await fails(
        v3("POST", "datasets/create", { name: "ev-bad-tags", experiment_ids: [exp], tags: "not json" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "'tags'",
      );
      await fails(
        v3("POST", "datasets/create", { name: "ev-bob", experiment_ids: [exp] }, bob),
        403,
        "PERMISSION_DENIED",
        `experiment ${exp}`,
      );
      const found = await ok(v3("POST", "datasets/search", { experiment_ids: [exp], max_results: 1000 }));
      expect(found.datasets ?? []).toEqual([]);
    });

    it("upsert_dataset_records inserts, then updates records with the same inputs; _load_dataset_records pages them", async () => {
      const exp = await newExperiment();
      const ds = await createDataset(exp);
      const id = String(ds.dataset_id);
      // upsert_dataset_records: UpsertDatasetRecords(records=json.dumps(records)) to …/records.
      const first = await ok(
        v3("POST", `datasets/${id}/records`, {
          records: records([
            { inputs: { question: "2+2?" }, expectations: { answer: "4" }, tags: { split: "train" } },
            {
              inputs: { question: "capital of France?" },
              expectations: { answer: "Paris" },
              source: { source_type: "HUMAN", source_data: { source_id: "ann-1" } },
            },
            { inputs: { question: "colour of sky?" }, outputs: { text: "blue" } },
          ]),
        }),
      );
      expect(first).toEqual({ inserted_count: 3, updated_count: 0 });
      const again = await ok(
        v3("POST", `datasets/${id}/records`, {
          records: records([{ inputs: { question: "2+2?" }, expectations: { reason: "arithmetic" } }]),
        }),
      );
      expect(again).toEqual({ inserted_count: 0, updated_count: 1 });
      // _load_dataset_records: GetDatasetRecords(max_results, page_token) as a GET with the dataset id in the path.
      const page1 = await ok(v3("GET", `datasets/${id}/records`, { max_results: 2 }, bob));
      expect(typeof page1.next_page_token).toBe("string");
      const page2 = await ok(v3("GET", `datasets/${id}/records`, { max_results: 2, page_token: String(page1.next_page_token) }));
      expect(page2.next_page_token).toBeUndefined();
      const rows = [...(JSON.parse(String(page1.records)) as Json[]), ...(JSON.parse(String(page2.records)) as Json[])];
      expect(rows).toHaveLength(3);
      const byQuestion = (q: string) => rows.find((r) => (r.inputs as Json).question === q);
      expect(byQuestion("2+2?")).toMatchObject({
        dataset_id: id,
        expectations: { answer: "4", reason: "arithmetic" },
        tags: { split: "train" },
        created_by: "ev-alice",
      });
      expect(String(byQuestion("2+2?")?.dataset_record_id)).toMatch(/^dr-[0-9a-f]{32}$/);
      expect(byQuestion("capital of France?")).toMatchObject({
        source: { source_type: "HUMAN", source_data: { source_id: "ann-1" } },
        source_id: "ann-1",
        source_type: "HUMAN",
      });
      expect(byQuestion("colour of sky?")).toMatchObject({ outputs: { text: "blue" } });
      const after = (await ok(v3("GET", `datasets/${id}`))).dataset as Json;
      expect(after.digest).not.toBe(ds.digest);
      // DeleteDatasetRecords
      const rid = String(byQuestion("capital of France?")?.dataset_record_id);
      expect(await ok(v3("DELETE", `datasets/${id}/records`, { dataset_record_ids: [rid] }))).toEqual({ deleted_count: 1 });
      expect(JSON.parse(String((await ok(v3("GET", `datasets/${id}/records`))).records))).toHaveLength(2);
    });

    it("refuses records from who may not write the experiment, and malformed records, changing nothing", async () => {
      const exp = await newExperiment();
      const id = String((await createDataset(exp)).dataset_id);
      const body = { records: records([{ inputs: { q: "x" } }]) };
      await fails(v3("POST", `datasets/${id}/records`, body, bob), 403, "PERMISSION_DENIED", `experiment ${exp}`);
      await fails(v3("PATCH", `datasets/${id}/tags`, { tags: "{}" }, bob), 403, "PERMISSION_DENIED");
      await fails(v3("DELETE", `datasets/${id}`, {}, bob), 403, "PERMISSION_DENIED");
      await fails(v3("POST", `datasets/${id}/records`, { records: "[1]" }), 400, "INVALID_PARAMETER_VALUE", "records[0]");
      await fails(
        v3("POST", `datasets/${id}/records`, { records: records([{ outputs: 1 }]) }),
        400,
        "INVALID_PARAMETER_VALUE",
        "records[0].inputs",
      );
      expect(JSON.parse(String((await ok(v3("GET", `datasets/${id}/records`))).records))).toEqual([]);
    });

    it(`caps a dataset at ${MAX_DATASET_RECORDS} records with a sentence, keeping none of the refused batch`, async () => {
      const exp = await newExperiment();
      const id = String((await createDataset(exp)).dataset_id);
      await ok(v3("POST", `datasets/${id}/records`, { records: records([{ inputs: { i: -1 } }]) }));
      const batch = Array.from({ length: MAX_DATASET_RECORDS }, (_, i) => ({ inputs: { i } }));
      await fails(
        v3("POST", `datasets/${id}/records`, { records: records(batch) }),
        413,
        "RESOURCE_EXHAUSTED",
        `at most ${MAX_DATASET_RECORDS}`,
      );
      expect(JSON.parse(String((await ok(v3("GET", `datasets/${id}/records`))).records))).toHaveLength(1);
    });

    it("search_datasets filters by name and tags, pages, and set_dataset_tags/delete_dataset_tag merge tags", async () => {
      const exp = await newExperiment();
      const a = await createDataset(exp, "ev-search-alpha");
      const b = await createDataset(exp, "ev-search-beta");
      // search_datasets: SearchEvaluationDatasets(experiment_ids, filter_string, max_results=1000, order_by, page_token).
      const byName = await ok(
        v3("POST", "datasets/search", { experiment_ids: [exp], filter_string: "name LIKE '%alpha'", max_results: 1000, order_by: [] }),
      );
      expect((byName.datasets as Json[]).map((d) => d.dataset_id)).toEqual([a.dataset_id]);
      const paged = await ok(v3("POST", "datasets/search", { experiment_ids: [exp], max_results: 1, order_by: ["name ASC"] }));
      expect((paged.datasets as Json[]).map((d) => d.name)).toEqual(["ev-search-alpha"]);
      const rest = await ok(
        v3("POST", "datasets/search", { experiment_ids: [exp], max_results: 1, order_by: ["name ASC"], page_token: paged.next_page_token }),
      );
      expect((rest.datasets as Json[]).map((d) => d.name)).toEqual(["ev-search-beta"]);
      await fails(
        v3("POST", "datasets/search", { experiment_ids: [exp], filter_string: "colour = 'x'" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "colour",
      );
      // set_dataset_tags: SetDatasetTags(tags=json.dumps(tags)) PATCH …/tags; a None value deletes the key.
      const tagged = await ok(
        v3("PATCH", `datasets/${String(b.dataset_id)}/tags`, { tags: JSON.stringify({ stage: "gold", team: null }) }),
      );
      expect(JSON.parse(String((tagged.dataset as Json).tags))).toEqual({ stage: "gold" });
      const byTag = await ok(v3("GET", "datasets/search", { experiment_ids: [exp], filter_string: "tags.stage = 'gold'" }));
      expect((byTag.datasets as Json[]).map((d) => d.dataset_id)).toEqual([b.dataset_id]);
      // delete_dataset_tag: DELETE …/tags/{key} without a body.
      expect(await ok(v3("DELETE", `datasets/${String(b.dataset_id)}/tags/stage`))).toEqual({});
      expect(JSON.parse(String(((await ok(v3("GET", `datasets/${String(b.dataset_id)}`))).dataset as Json).tags))).toEqual({});
    });

    it("add/remove_dataset_to_experiments link experiments the caller may write; the last one stays; delete_dataset removes it all", async () => {
      const exp = await newExperiment();
      const other = await newExperiment();
      const bobs = await newExperiment(bob);
      const id = String((await createDataset(exp)).dataset_id);
      const added = await ok(v3("POST", `datasets/${id}/add-experiments`, { experiment_ids: [other] }));
      expect((added.dataset as Json).experiment_ids).toEqual([exp, other].sort((x, y) => Number(x) - Number(y)));
      await fails(v3("POST", `datasets/${id}/add-experiments`, { experiment_ids: [bobs] }), 403, "PERMISSION_DENIED");
      const removed = await ok(v3("POST", `datasets/${id}/remove-experiments`, { experiment_ids: [exp] }));
      expect((removed.dataset as Json).experiment_ids).toEqual([other]);
      await fails(
        v3("POST", `datasets/${id}/remove-experiments`, { experiment_ids: [other] }),
        400,
        "INVALID_PARAMETER_VALUE",
        "no experiment",
      );
      // delete_dataset: DELETE /api/3.0/mlflow/datasets/{dataset_id}.
      expect(await ok(v3("DELETE", `datasets/${id}`))).toEqual({});
      await fails(v3("GET", `datasets/${id}`), 404, "RESOURCE_DOES_NOT_EXIST");
    });

    it("register_scorer adds versions; list_scorers, list_scorer_versions, get_scorer and delete_scorer answer MLflow's Scorer", async () => {
      const exp = await newExperiment();
      const serialized = (instructions: string) =>
        JSON.stringify({
          name: "relevance",
          mlflow_version: "3.6.0",
          serialization_version: 1,
          instructions_judge_pydantic_data: { instructions },
        });
      // register_scorer: RegisterScorer(experiment_id, name, serialized_scorer) POST /api/3.0/mlflow/scorers/register.
      const v1 = await ok(v3("POST", "scorers/register", { experiment_id: exp, name: "relevance", serialized_scorer: serialized("one") }));
      expect(v1).toMatchObject({ version: 1, experiment_id: exp, name: "relevance", serialized_scorer: serialized("one") });
      const v2 = await ok(v3("POST", "scorers/register", { experiment_id: exp, name: "relevance", serialized_scorer: serialized("two") }));
      expect(v2).toMatchObject({ version: 2, scorer_id: v1.scorer_id });
      await ok(v3("POST", "scorers/register", { experiment_id: exp, name: "safety", serialized_scorer: serialized("s") }));
      // list_scorers: GET …/scorers/list?experiment_id=… → the latest version of each name.
      const listed = await ok(v3("GET", "scorers/list", { experiment_id: exp }, bob));
      expect((listed.scorers as Json[]).map((s) => [s.scorer_name, s.scorer_version])).toEqual([
        ["relevance", 2],
        ["safety", 1],
      ]);
      expect((listed.scorers as Json[])[0]).toMatchObject({ experiment_id: Number(exp), serialized_scorer: serialized("two") });
      const versions = await ok(v3("GET", "scorers/versions", { experiment_id: exp, name: "relevance" }));
      expect((versions.scorers as Json[]).map((s) => s.scorer_version)).toEqual([1, 2]);
      expect(((await ok(v3("GET", "scorers/get", { experiment_id: exp, name: "relevance" }))).scorer as Json).scorer_version).toBe(2);
      expect(
        ((await ok(v3("GET", "scorers/get", { experiment_id: exp, name: "relevance", version: 1 }))).scorer as Json).serialized_scorer,
      ).toBe(serialized("one"));
      await fails(
        v3("GET", "scorers/get", { experiment_id: exp, name: "nope" }),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "Scorer with name 'nope' not found",
      );
      // delete_scorer: DELETE …/scorers/delete with a version, then without (all versions).
      await fails(v3("DELETE", "scorers/delete", { experiment_id: exp, name: "relevance" }, bob), 403, "PERMISSION_DENIED");
      expect(await ok(v3("DELETE", "scorers/delete", { experiment_id: exp, name: "relevance", version: 2 }))).toEqual({});
      expect(((await ok(v3("GET", "scorers/get", { experiment_id: exp, name: "relevance" }))).scorer as Json).scorer_version).toBe(1);
      expect(await ok(v3("DELETE", "scorers/delete", { experiment_id: exp, name: "relevance" }))).toEqual({});
      await fails(v3("GET", "scorers/versions", { experiment_id: exp, name: "relevance" }), 404, "RESOURCE_DOES_NOT_EXIST");
    });

    it("refuses scorers from who may not write the experiment, and malformed ones", async () => {
      const exp = await newExperiment();
      const body = { experiment_id: exp, name: "judge", serialized_scorer: JSON.stringify({ name: "judge" }) };
      await fails(v3("POST", "scorers/register", body, bob), 403, "PERMISSION_DENIED", `experiment ${exp}`);
      await fails(
        v3("POST", "scorers/register", { ...body, serialized_scorer: "pickle" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "serialized_scorer",
      );
      await fails(
        v3("POST", "scorers/register", { ...body, serialized_scorer: JSON.stringify({ code: "x".repeat(70_000) }) }),
        413,
        "RESOURCE_EXHAUSTED",
      );
      await fails(v3("POST", "scorers/register", { ...body, experiment_id: "999999" }), 404, "RESOURCE_DOES_NOT_EXIST");
      expect(await ok(v3("GET", "scorers/list", { experiment_id: exp }))).toEqual({ scorers: [] });
    });
  });
}
