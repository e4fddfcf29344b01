import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { principal, trackingClient, type Json } from "../testing";

const alice = principal("alice");
const bob = principal("bob");
const root = principal("root", true);

let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;
const RUN = "0123456789abcdef0123456789abcdef";

for (const kind of DB_KINDS) {
  describe(`MLflow model registry (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok, fails } = trackingClient(db);
    const post = (path: string, body: Json = {}, who = alice) => call("POST", path, body, who);
    const get = (path: string, q: Json = {}, who = alice) => call("GET", path, q, who);
    const patch = (path: string, body: Json = {}, who = alice) => call("PATCH", path, body, who);
    const del = (path: string, body: Json = {}, who = alice) => call("DELETE", path, body, who);

    async function newModel(extra: Json = {}, who = alice): Promise<string> {
      const name = unique("model");
      await ok(post("registered-models/create", { name, ...extra }, who));
      return name;
    }
    async function newVersion(name: string, extra: Json = {}, who = alice): Promise<Json> {
      const body = await ok(
        post("model-versions/create", { name, source: `mlflow-artifacts:/1/${RUN}/artifacts/model`, run_id: RUN, ...extra }, who),
      );
      return body.model_version as Json;
    }

    describe("registered models", () => {
      it("creates a model with MLflow's shape and refuses a duplicate name with 400 RESOURCE_ALREADY_EXISTS", async () => {
        const name = unique("m");
        const body = await ok(post("registered-models/create", { name, description: "churn", tags: [{ key: "team", value: "ds" }] }));
        const rm = body.registered_model as Json;
        expect(rm).toEqual({
          name,
          creation_timestamp: rm.creation_timestamp,
          last_updated_timestamp: rm.creation_timestamp,
          user_id: "alice",
          description: "churn",
          tags: [{ key: "team", value: "ds" }],
        });
        expect(typeof rm.creation_timestamp).toBe("number");
        await fails(
          post("registered-models/create", { name }),
          400,
          "RESOURCE_ALREADY_EXISTS",
          `Registered Model (name=${name}) already exists.`,
        );
        await fails(post("registered-models/create", {}), 400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'name'");
        await fails(
          post("registered-models/create", { name: unique("m"), tags: [{ key: "a//b", value: "1" }] }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Invalid tag name",
        );
        await fails(
          post("registered-models/create", { name: unique("m"), tags: [{ key: "k", value: "v".repeat(5001) }] }),
          400,
          "INVALID_PARAMETER_VALUE",
          "'value' exceeds the maximum length of 5000",
        );
      });

      it("gets a model, and 404s an unknown one", async () => {
        const name = await newModel();
        const rm = (await ok(get("registered-models/get", { name }))).registered_model as Json;
        expect(rm.name).toBe(name);
        await fails(
          get("registered-models/get", { name: "nope-x" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          "Registered Model with name=nope-x not found",
        );
      });

      it("updates the description with PATCH; only the owner or an admin may", async () => {
        const name = await newModel();
        const rm = (await ok(patch("registered-models/update", { name, description: "v2 of the model" }))).registered_model as Json;
        expect(rm.description).toBe("v2 of the model");
        await fails(
          patch("registered-models/update", { name, description: "x" }, bob),
          403,
          "PERMISSION_DENIED",
          `Only alice or an admin may change registered model ${name}.`,
        );
        expect(
          ((await ok(patch("registered-models/update", { name, description: "by admin" }, root))).registered_model as Json).description,
        ).toBe("by admin");
        await fails(post("registered-models/update", { name }), 404, "ENDPOINT_NOT_FOUND", "use PATCH");
        await fails(patch("registered-models/update", { name: "nope-y" }), 404, "RESOURCE_DOES_NOT_EXIST");
      });

      it("renames a model and its versions, tags and aliases follow", async () => {
        const name = await newModel({ tags: [{ key: "k", value: "v" }] });
        await newVersion(name, { tags: [{ key: "vk", value: "vv" }] });
        await ok(post("registered-models/alias", { name, alias: "champion", version: "1" }));
        const other = await newModel();
        await fails(
          post("registered-models/rename", { name, new_name: other }),
          400,
          "RESOURCE_ALREADY_EXISTS",
          `Registered Model (name=${other}) already exists.`,
        );
        await fails(post("registered-models/rename", { name }), 400, "INVALID_PARAMETER_VALUE", "'new_name'");
        const renamed = `${name}-renamed`;
        const rm = (await ok(post("registered-models/rename", { name, new_name: renamed }))).registered_model as Json;
        expect(rm).toMatchObject({ name: renamed, tags: [{ key: "k", value: "v" }], aliases: [{ alias: "champion", version: "1" }] });
        const mv = (await ok(get("model-versions/get", { name: renamed, version: "1" }))).model_version as Json;
        expect(mv).toMatchObject({ name: renamed, version: "1", tags: [{ key: "vk", value: "vv" }], aliases: ["champion"] });
        await fails(get("registered-models/get", { name }), 404, "RESOURCE_DOES_NOT_EXIST");
      });

      it("deletes a model with everything in it", async () => {
        const name = await newModel();
        await newVersion(name);
        await fails(del("registered-models/delete", { name }, bob), 403, "PERMISSION_DENIED");
        expect(await ok(del("registered-models/delete", { name }))).toEqual({});
        await fails(get("registered-models/get", { name }), 404, "RESOURCE_DOES_NOT_EXIST");
        await fails(
          get("model-versions/get", { name, version: "1" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Model Version (name=${name}, version=1) not found`,
        );
        await fails(del("registered-models/delete", { name }), 404, "RESOURCE_DOES_NOT_EXIST");
        // The name is free again.
        await ok(post("registered-models/create", { name }));
      });

      it("sets and deletes tags (deleting an absent tag is fine)", async () => {
        const name = await newModel();
        await ok(post("registered-models/set-tag", { name, key: "stage", value: "beta" }));
        await ok(post("registered-models/set-tag", { name, key: "stage", value: "ga" }));
        expect(((await ok(get("registered-models/get", { name }))).registered_model as Json).tags).toEqual([{ key: "stage", value: "ga" }]);
        await ok(del("registered-models/delete-tag", { name, key: "stage" }));
        await ok(del("registered-models/delete-tag", { name, key: "stage" }));
        expect(((await ok(get("registered-models/get", { name }))).registered_model as Json).tags).toBeUndefined();
        await fails(post("registered-models/set-tag", { name }), 400, "INVALID_PARAMETER_VALUE", "'key'");
        await fails(post("registered-models/set-tag", { name: "nope-z", key: "a", value: "b" }), 404, "RESOURCE_DOES_NOT_EXIST");
        await fails(post("registered-models/set-tag", { name, key: "a", value: "b" }, bob), 403, "PERMISSION_DENIED");
      });

      it("searches with filter, OR, order_by and page tokens; prompts are hidden unless asked for", async () => {
        const prefix = unique("search");
        for (const suffix of ["c", "a", "b"])
          await ok(
            post("registered-models/create", { name: `${prefix}-${suffix}`, tags: [{ key: "grp", value: suffix === "b" ? "x" : "y" }] }),
          );
        await ok(post("registered-models/create", { name: `${prefix}-prompt`, tags: [{ key: "mlflow.prompt.is_prompt", value: "true" }] }));
        const names = (b: Json) => ((b.registered_models as Json[] | undefined) ?? []).map((m) => m.name);
        const page1 = await ok(get("registered-models/search", { filter: `name LIKE '${prefix}-%'`, max_results: 2 }));
        expect(names(page1)).toEqual([`${prefix}-a`, `${prefix}-b`]);
        expect(page1.next_page_token).toBe("eyJvZmZzZXQiOiAyfQ==");
        const page2 = await ok(
          get("registered-models/search", { filter: `name LIKE '${prefix}-%'`, max_results: 2, page_token: page1.next_page_token }),
        );
        expect(names(page2)).toEqual([`${prefix}-c`]);
        expect(page2.next_page_token).toBeUndefined();
        const desc = await ok(get("registered-models/search", { filter: `name LIKE '${prefix}-%'`, order_by: "name DESC" }));
        expect(names(desc)).toEqual([`${prefix}-c`, `${prefix}-b`, `${prefix}-a`]);
        const or = await ok(
          get("registered-models/search", { filter: `(name = '${prefix}-a' OR tags.grp = 'x') AND name ILIKE '${prefix.toUpperCase()}%'` }),
        );
        expect(names(or)).toEqual([`${prefix}-a`, `${prefix}-b`]);
        const prompts = await ok(
          get("registered-models/search", { filter: `name LIKE '${prefix}-%' AND tags.\`mlflow.prompt.is_prompt\` = 'true'` }),
        );
        expect(names(prompts)).toEqual([`${prefix}-prompt`]);
        const notPrompts = await ok(
          get("registered-models/search", { filter: `name LIKE '${prefix}-%' AND tags.\`mlflow.prompt.is_prompt\` != 'true'` }),
        );
        expect(names(notPrompts)).toEqual([`${prefix}-a`, `${prefix}-b`, `${prefix}-c`]);
        await fails(
          get("registered-models/search", { filter: "name ~ 'a'" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Invalid filter at position",
        );
        await fails(
          get("registered-models/search", { filter: "owner = 'a'" }),
          400,
          "INVALID_PARAMETER_VALUE",
          'invalid registered model search key "owner"',
        );
        await fails(get("registered-models/search", { filter: "name = 'a' AND" }), 400, "INVALID_PARAMETER_VALUE", "position 14");
        await fails(
          get("registered-models/search", { order_by: "size DESC" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Invalid order_by clause 'size DESC'",
        );
        await fails(get("registered-models/search", { max_results: 1001 }), 400, "INVALID_PARAMETER_VALUE", "at most 1000");
        await fails(get("registered-models/search", { max_results: 0 }), 400, "INVALID_PARAMETER_VALUE", "at least 1");
        await fails(get("registered-models/search", { page_token: "garbage!" }), 400, "INVALID_PARAMETER_VALUE", "Invalid page token");
      });
    });

    describe("aliases", () => {
      it("sets, reads, moves and deletes an alias (conformance example 15)", async () => {
        const name = await newModel();
        await newVersion(name);
        await newVersion(name);
        expect(await ok(post("registered-models/alias", { name, alias: "champion", version: "1" }))).toEqual({});
        const mv = (await ok(get("registered-models/alias", { name, alias: "champion" }))).model_version as Json;
        expect(mv).toMatchObject({ name, version: "1", aliases: ["champion"] });
        expect(((await ok(get("registered-models/get", { name }))).registered_model as Json).aliases).toEqual([
          { alias: "champion", version: "1" },
        ]);
        await ok(post("registered-models/alias", { name, alias: "champion", version: 2 }));
        expect(((await ok(get("registered-models/alias", { name, alias: "champion" }))).model_version as Json).version).toBe("2");
        await ok(del("registered-models/alias", { name, alias: "champion" }));
        await fails(
          get("registered-models/alias", { name, alias: "champion" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Registered model alias champion not found.",
        );
        await ok(del("registered-models/alias", { name, alias: "champion" }));
      });

      // MLflow 3.3+ (mlflow/store/model_registry/sqlalchemy_store.py `get_model_version_by_alias`,
      // mlflow/utils/validation.py `_validate_model_alias_name_reserved` only on set): `latest` is read as the
      // highest version; the stock client's `models:/name@latest` and `load_prompt(name)` ask exactly this.
      it("reads the alias latest (any case) as the highest live version, as MLflow 3.3+ does", async () => {
        const name = await newModel();
        await newVersion(name);
        await newVersion(name);
        await newVersion(name);
        const latest = (await ok(get("registered-models/alias", { name, alias: "latest" }))).model_version as Json;
        expect(latest).toMatchObject({ name, version: "3" });
        expect(latest.aliases).toBeUndefined();
        await ok(del("model-versions/delete", { name, version: "3" }));
        expect(((await ok(get("registered-models/alias", { name, alias: "Latest" }))).model_version as Json).version).toBe("2");
        // Readers read it; still nobody may set it.
        expect(((await ok(get("registered-models/alias", { name, alias: "LATEST" }, bob))).model_version as Json).version).toBe("2");
        await fails(post("registered-models/alias", { name, alias: "latest", version: "1" }), 400, "INVALID_PARAMETER_VALUE", "reserved");
        const empty = await newModel();
        await fails(
          get("registered-models/alias", { name: empty, alias: "latest" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Latest version not found for model ${empty}.`,
        );
        await fails(get("registered-models/alias", { name: "nope-l", alias: "latest" }), 404, "RESOURCE_DOES_NOT_EXIST");
        await fails(get("registered-models/alias", { name, alias: "a b" }), 400, "INVALID_PARAMETER_VALUE", "Invalid alias name: 'a b'");
      });

      it("refuses reserved and malformed aliases, missing versions and other people's models", async () => {
        const name = await newModel();
        await newVersion(name);
        await fails(
          post("registered-models/alias", { name, alias: "latest", version: "1" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "'latest' alias name (case insensitive) is reserved.",
        );
        await fails(post("registered-models/alias", { name, alias: "LATEST", version: "1" }), 400, "INVALID_PARAMETER_VALUE", "reserved");
        await fails(
          post("registered-models/alias", { name, alias: "v2", version: "1" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Version alias name 'v2' is reserved.",
        );
        await fails(
          post("registered-models/alias", { name, alias: "a b", version: "1" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Invalid alias name: 'a b'",
        );
        await fails(
          post("registered-models/alias", { name, alias: "x".repeat(256), version: "1" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "'alias' exceeds the maximum length of 255",
        );
        await fails(
          post("registered-models/alias", { name, alias: "ok", version: "9" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Model Version (name=${name}, version=9) not found`,
        );
        await fails(
          post("registered-models/alias", { name, alias: "ok", version: "one" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Parameter 'version' must be an integer, got 'one'.",
        );
        await fails(post("registered-models/alias", { name, alias: "ok", version: "1" }, bob), 403, "PERMISSION_DENIED");
        await fails(get("registered-models/alias", { name: "nope-q", alias: "ok" }), 404, "RESOURCE_DOES_NOT_EXIST");
        await fails(call("PUT", "registered-models/alias", { name }, alice), 404, "ENDPOINT_NOT_FOUND", "use POST or DELETE or GET");
      });
    });

    describe("model versions", () => {
      it("creates versions numbered 1, 2, … with MLflow's shape (conformance example 14)", async () => {
        const name = await newModel();
        const v1 = await newVersion(name, { description: "first", run_link: "http://x/run", tags: [{ key: "t", value: "1" }] });
        expect(v1).toEqual({
          name,
          version: "1",
          creation_timestamp: v1.creation_timestamp,
          last_updated_timestamp: v1.creation_timestamp,
          user_id: "alice",
          current_stage: "None",
          description: "first",
          source: `mlflow-artifacts:/1/${RUN}/artifacts/model`,
          run_id: RUN,
          status: "READY",
          tags: [{ key: "t", value: "1" }],
          run_link: "http://x/run",
        });
        // Without a description, MLflow's handler stores the request's "" and answers it (mlflow/server/handlers.py
        // `_create_model_version`); the client reads "" where it read None before.
        const v2 = await newVersion(name);
        expect(v2.version).toBe("2");
        expect(v2.description).toBe("");
        expect(((await ok(get("model-versions/get", { name, version: "2" }))).model_version as Json).description).toBe("");
        const rm = (await ok(get("registered-models/get", { name }))).registered_model as Json;
        expect((rm.latest_versions as Json[]).map((v) => [v.version, v.current_stage])).toEqual([["2", "None"]]);
        await fails(
          post("model-versions/create", { name: "nope-m", source: "s3://b/m" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          "Registered Model with name=nope-m not found",
        );
        await fails(post("model-versions/create", { name }), 400, "INVALID_PARAMETER_VALUE", "'source'");
        await fails(
          post("model-versions/create", { name, source: "s3://b/../etc" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Invalid model version source: 's3://b/../etc'",
        );
        await fails(
          post("model-versions/create", { name, source: "s3://b/m", run_id: "not a run!" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Invalid run ID",
        );
        await fails(post("model-versions/create", { name, source: "s3://b/m" }, bob), 403, "PERMISSION_DENIED");
      });

      it("gives concurrent creates distinct numbers", async () => {
        const name = await newModel();
        const versions = await Promise.all(Array.from({ length: 8 }, () => newVersion(name)));
        expect(versions.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      });

      it("gets, updates and gives the download URI; bad versions are 400, missing ones 404", async () => {
        const name = await newModel();
        await newVersion(name);
        expect(((await ok(get("model-versions/get", { name, version: "1" }))).model_version as Json).version).toBe("1");
        await fails(
          get("model-versions/get", { name, version: "7" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Model Version (name=${name}, version=7) not found`,
        );
        await fails(
          get("model-versions/get", { name, version: "x" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Parameter 'version' must be an integer, got 'x'.",
        );
        const mv = (await ok(patch("model-versions/update", { name, version: "1", description: "tuned" }))).model_version as Json;
        expect(mv.description).toBe("tuned");
        await fails(patch("model-versions/update", { name, version: "1", description: "x" }, bob), 403, "PERMISSION_DENIED");
        await fails(patch("model-versions/update", { name, version: "3" }), 404, "RESOURCE_DOES_NOT_EXIST");
        expect(await ok(get("model-versions/get-download-uri", { name, version: "1" }))).toEqual({
          artifact_uri: `mlflow-artifacts:/1/${RUN}/artifacts/model`,
        });
        await fails(get("model-versions/get-download-uri", { name, version: "5" }), 404, "RESOURCE_DOES_NOT_EXIST");
        // runs:/ sources answer with where the run keeps the files, as MLflow's get_underlying_uri does.
        const run = ((await ok(post("runs/create", { experiment_id: "0" }))).run as { info: { run_id: string; artifact_uri: string } })
          .info;
        await newVersion(name, { source: `runs:/${run.run_id}/model/`, run_id: run.run_id });
        expect(await ok(get("model-versions/get-download-uri", { name, version: "2" }))).toEqual({
          artifact_uri: `${run.artifact_uri}/model`,
        });
        await newVersion(name, { source: `runs:/${RUN}/model` });
        expect(await ok(get("model-versions/get-download-uri", { name, version: "3" }))).toEqual({ artifact_uri: `runs:/${RUN}/model` });
      });

      it("transitions stages, archiving others on request (conformance example 16)", async () => {
        const name = await newModel();
        await newVersion(name);
        await newVersion(name);
        const v1 = (
          await ok(post("model-versions/transition-stage", { name, version: "1", stage: "production", archive_existing_versions: false }))
        ).model_version as Json;
        expect(v1.current_stage).toBe("Production");
        const v2 = (
          await ok(post("model-versions/transition-stage", { name, version: "2", stage: "Production", archive_existing_versions: true }))
        ).model_version as Json;
        expect(v2.current_stage).toBe("Production");
        expect(((await ok(get("model-versions/get", { name, version: "1" }))).model_version as Json).current_stage).toBe("Archived");
        const latest = await ok(post("registered-models/get-latest-versions", { name }));
        expect((latest.model_versions as Json[]).map((v) => [v.version, v.current_stage])).toEqual([
          ["2", "Production"],
          ["1", "Archived"],
        ]);
        const onlyProd = await ok(post("registered-models/get-latest-versions", { name, stages: ["production"] }));
        expect((onlyProd.model_versions as Json[]).map((v) => v.version)).toEqual(["2"]);
        expect(await ok(post("registered-models/get-latest-versions", { name, stages: ["Staging"] }))).toEqual({});
        await fails(
          post("registered-models/get-latest-versions", { name, stages: ["Live"] }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Invalid Model Version stage: Live.",
        );
        await fails(post("registered-models/get-latest-versions", { name: "nope-l" }), 404, "RESOURCE_DOES_NOT_EXIST");
        await fails(
          post("model-versions/transition-stage", { name, version: "1", stage: "foo" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Invalid Model Version stage: foo. Value must be one of None, Staging, Production, Archived.",
        );
        await fails(
          post("model-versions/transition-stage", { name, version: "1", stage: "Archived", archive_existing_versions: true }),
          400,
          "INVALID_PARAMETER_VALUE",
          "not an Active stage",
        );
        await fails(post("model-versions/transition-stage", { name, version: "1" }), 400, "INVALID_PARAMETER_VALUE", "'stage'");
        await fails(post("model-versions/transition-stage", { name, version: "1", stage: "None" }, bob), 403, "PERMISSION_DENIED");
        await fails(post("model-versions/transition-stage", { name, version: "4", stage: "None" }), 404, "RESOURCE_DOES_NOT_EXIST");
      });

      it("sets and deletes version tags", async () => {
        const name = await newModel();
        await newVersion(name);
        await ok(post("model-versions/set-tag", { name, version: "1", key: "validated", value: "yes" }));
        expect(((await ok(get("model-versions/get", { name, version: "1" }))).model_version as Json).tags).toEqual([
          { key: "validated", value: "yes" },
        ]);
        await ok(del("model-versions/delete-tag", { name, version: "1", key: "validated" }));
        await ok(del("model-versions/delete-tag", { name, version: "1", key: "validated" }));
        expect(((await ok(get("model-versions/get", { name, version: "1" }))).model_version as Json).tags).toBeUndefined();
        await fails(
          post("model-versions/set-tag", { name, version: "1", key: "bad!key", value: "x" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Invalid tag name",
        );
        await fails(post("model-versions/set-tag", { name, version: "2", key: "k", value: "x" }), 404, "RESOURCE_DOES_NOT_EXIST");
        await fails(post("model-versions/set-tag", { name, version: "1", key: "k", value: "x" }, bob), 403, "PERMISSION_DENIED");
        await fails(del("model-versions/delete-tag", { name, version: "1" }), 400, "INVALID_PARAMETER_VALUE", "'key'");
      });

      it("soft-deletes a version: hidden, its aliases gone, its number never reused", async () => {
        const name = await newModel();
        await newVersion(name);
        await ok(post("registered-models/alias", { name, alias: "prod", version: "1" }));
        await fails(del("model-versions/delete", { name, version: "1" }, bob), 403, "PERMISSION_DENIED");
        expect(await ok(del("model-versions/delete", { name, version: "1" }))).toEqual({});
        await fails(
          get("model-versions/get", { name, version: "1" }),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Model Version (name=${name}, version=1) not found`,
        );
        await fails(del("model-versions/delete", { name, version: "1" }), 404, "RESOURCE_DOES_NOT_EXIST");
        await fails(
          get("registered-models/alias", { name, alias: "prod" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "Registered model alias prod not found.",
        );
        expect(await ok(get("model-versions/search", { filter: `name = '${name}'` }))).toEqual({});
        expect((await newVersion(name)).version).toBe("2");
      });

      it("searches versions by name, run_id IN, version_number and tags, ordered and paged", async () => {
        const name = await newModel();
        const other = "fedcba9876543210fedcba9876543210";
        await newVersion(name);
        await newVersion(name, { run_id: other, tags: [{ key: "q", value: "good" }] });
        await newVersion(name);
        const versions = (b: Json) => ((b.model_versions as Json[] | undefined) ?? []).map((v) => v.version);
        expect(versions(await ok(get("model-versions/search", { filter: `name = '${name}'`, order_by: "version_number ASC" })))).toEqual([
          "1",
          "2",
          "3",
        ]);
        expect(versions(await ok(get("model-versions/search", { filter: `name = '${name}'` })))).toEqual(["3", "2", "1"]);
        expect(versions(await ok(get("model-versions/search", { filter: `name = '${name}' AND run_id IN ('${other}', 'zzz')` })))).toEqual([
          "2",
        ]);
        expect(
          versions(
            await ok(
              get("model-versions/search", {
                filter: `name = '${name}' AND (version_number >= 3 OR tags.q = 'good')`,
                order_by: "version_number",
              }),
            ),
          ),
        ).toEqual(["2", "3"]);
        expect(
          versions(
            await ok(
              get("model-versions/search", { filter: `name = '${name}' AND source_path LIKE '%/model'`, order_by: "version_number DESC" }),
            ),
          ),
        ).toEqual(["3", "2", "1"]);
        const page = await ok(get("model-versions/search", { filter: `name = '${name}'`, order_by: "version_number", max_results: 2 }));
        expect(versions(page)).toEqual(["1", "2"]);
        expect(page.next_page_token).toBe("eyJvZmZzZXQiOiAyfQ==");
        await fails(
          get("model-versions/search", { filter: "version_number > 'x'" }),
          400,
          "INVALID_PARAMETER_VALUE",
          "must be compared with an integer",
        );
        await fails(get("model-versions/search", { filter: "name IN ('a')" }), 400, "INVALID_PARAMETER_VALUE", "IN cannot be used");
        await fails(
          get("model-versions/search", { filter: "stage = 'x'" }),
          400,
          "INVALID_PARAMETER_VALUE",
          'invalid model version search key "stage"',
        );
        await fails(get("model-versions/search", { order_by: "run_id" }), 400, "INVALID_PARAMETER_VALUE", "Invalid order_by clause");
        await fails(get("model-versions/search", { max_results: 200001 }), 400, "INVALID_PARAMETER_VALUE", "at most 200000");
      });
    });
  });
}
