import { describe, expect, it } from "vitest";
import { z } from "zod";
import { findRegisteredModel, insertRegisteredModel } from "@/db/queries/registry";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { runOperation } from "../http/dispatch";
import type { Operation } from "../http/operations";
import { creates } from "../http/targets";
import { principal, trackingClient, type Json } from "../testing";

const alice = principal("alice");
const bob = principal("bob");
const RUN = "0123456789abcdef0123456789abcdef";
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;

for (const kind of DB_KINDS) {
  describe(`registry events in the outbox (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok, fails } = trackingClient(db);
    const post = (path: string, body: Json = {}, who = alice) => call("POST", path, body, who);
    const del = (path: string, body: Json = {}) => call("DELETE", path, body, alice);

    /** The events about one model, oldest first, as a webhook would send them. */
    async function eventsOf(name: string) {
      const rows = await db().query.events.findMany({ orderBy: (e, { asc }) => asc(e.id) });
      return rows
        .filter((e) => e.payload.name === name)
        .map((e) => ({ type: e.type, payload: e.payload, entity: `${e.entityType}:${e.entityId}`, actor: e.actorName }));
    }

    it("each registry change writes MLflow's webhook event and payload, in order", async () => {
      const name = unique("model");
      await ok(post("registered-models/create", { name, tags: [{ key: "team", value: "ds" }] }));
      await ok(post("registered-models/set-tag", { name, key: "owner", value: "ds" }));
      await ok(post("model-versions/create", { name, source: `runs:/${RUN}/model`, run_id: RUN, description: "first" }));
      await ok(post("model-versions/set-tag", { name, version: "1", key: "validated", value: "yes" }));
      await ok(del("model-versions/delete-tag", { name, version: "1", key: "validated" }));
      await ok(post("registered-models/alias", { name, alias: "champion", version: "1" }));
      await ok(del("registered-models/alias", { name, alias: "champion" }));
      expect(await eventsOf(name)).toEqual([
        {
          type: "registered_model.created",
          payload: { name, tags: { team: "ds" }, description: "" },
          entity: `registered_model:${name}`,
          actor: "alice",
        },
        // A tag on an ordinary registered model emits nothing (only a prompt's does).
        {
          type: "model_version.created",
          payload: { name, version: "1", source: `runs:/${RUN}/model`, run_id: RUN, tags: {}, description: "first" },
          entity: `model_version:${name}/1`,
          actor: "alice",
        },
        {
          type: "model_version_tag.set",
          payload: { name, version: "1", key: "validated", value: "yes" },
          entity: `model_version:${name}/1`,
          actor: "alice",
        },
        {
          type: "model_version_tag.deleted",
          payload: { name, version: "1", key: "validated" },
          entity: `model_version:${name}/1`,
          actor: "alice",
        },
        {
          type: "model_version_alias.created",
          payload: { name, alias: "champion", version: "1" },
          entity: `registered_model:${name}`,
          actor: "alice",
        },
        { type: "model_version_alias.deleted", payload: { name, alias: "champion" }, entity: `registered_model:${name}`, actor: "alice" },
      ]);
    });

    it("a prompt's changes write the prompt events instead, the template taken out of the tags", async () => {
      const name = unique("prompt");
      const isPrompt = { key: "mlflow.prompt.is_prompt", value: "true" };
      await ok(post("registered-models/create", { name, tags: [isPrompt], description: "greets" }));
      await ok(post("registered-models/set-tag", { name, key: "lang", value: "en" }));
      await ok(del("registered-models/delete-tag", { name, key: "lang" }));
      await ok(
        post("model-versions/create", {
          name,
          source: "dummy-source",
          tags: [isPrompt, { key: "mlflow.prompt.text", value: "Hello {{name}}!" }],
        }),
      );
      await ok(post("model-versions/set-tag", { name, version: "1", key: "k", value: "v" }));
      await ok(post("registered-models/alias", { name, alias: "production", version: "1" }));
      expect((await eventsOf(name)).map((e) => [e.type, e.payload])).toEqual([
        ["prompt.created", { name, tags: { "mlflow.prompt.is_prompt": "true" }, description: "greets" }],
        ["prompt_tag.set", { name, key: "lang", value: "en" }],
        ["prompt_tag.deleted", { name, key: "lang" }],
        [
          "prompt_version.created",
          { name, version: "1", template: "Hello {{name}}!", tags: { "mlflow.prompt.is_prompt": "true" }, description: null },
        ],
        ["prompt_version_tag.set", { name, version: "1", key: "k", value: "v" }],
        ["prompt_alias.created", { name, alias: "production", version: "1" }],
      ]);
    });

    it("a refused change writes no event", async () => {
      const name = unique("model");
      await ok(post("registered-models/create", { name }));
      await fails(post("registered-models/create", { name }), 400, "RESOURCE_ALREADY_EXISTS");
      await fails(post("registered-models/alias", { name, alias: "champion", version: "7" }), 404, "RESOURCE_DOES_NOT_EXIST");
      await fails(post("model-versions/create", { name, source: `runs:/${RUN}/model` }, bob), 403, "PERMISSION_DENIED");
      expect((await eventsOf(name)).map((e) => e.type)).toEqual(["registered_model.created"]);
    });

    it("the events and the change are one transaction: when writing the events fails, the change is undone", async () => {
      const name = unique("model");
      const op: Operation = {
        path: "test/create",
        methods: ["POST"],
        input: z.object({ name: z.string() }),
        access: creates(),
        handle: async (ctx, input: { name: string }) => {
          await insertRegisteredModel(ctx.db, { name: input.name, description: null, userId: "alice", ownerId: null, now: 1, tags: [] });
          return {};
        },
        // An event whose payload Postgres cannot store (a NUL in JSON text) fails the insert after the handler wrote.
        emits: async () => [{ type: "test.created", payload: { name, bad: "\u0000" }, entity: { type: "test", id: name } }],
      };
      await expect(runOperation({ db: db(), principal: alice }, op, { name })).rejects.toThrow();
      expect(await findRegisteredModel(db(), name)).toBeUndefined();
      expect(await eventsOf(name)).toEqual([]);
    });
  });
}
