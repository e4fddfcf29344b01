/**
 * MLflow's per-resource permissions (lib/tracking/permissions.ts) with ATRIUM_DEFAULT_PERMISSION=NONE: a grant
 * on someone's personal experiment or registered model lets exactly that person in, at exactly its level, through
 * the one access rule (the table: each permission × read / create run / write / manage), searches list what is
 * granted, update and delete take effect at the next request, only MANAGE on the resource may grant, and the
 * endpoints answer in MLflow's shapes and words.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";

// getConfig() parses process.env once per module graph: set it before any import (vi.hoisted runs first).
const restoreEnv = vi.hoisted(() => {
  const saved = process.env.ATRIUM_DEFAULT_PERMISSION;
  process.env.ATRIUM_DEFAULT_PERMISSION = "NONE";
  return () => {
    if (saved === undefined) delete process.env.ATRIUM_DEFAULT_PERMISSION;
    else process.env.ATRIUM_DEFAULT_PERMISSION = saved;
  };
});
afterAll(restoreEnv);

import { eq, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { findUser, insertUser, withNewIdentity, type UserRow } from "@/db/queries/users";
import { auditEvents, experimentPermissions, users } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { personPrincipal, type Principal } from "@/lib/auth/principal";
import { MAX_GRANTS_PER_RESOURCE } from "@/lib/tracking/permissions";
import { signInUser } from "@/lib/users/sign-in";
import { trackingClient, type Json, type Reply } from "@/lib/tracking/testing";

type Permission = "READ" | "USE" | "EDIT" | "MANAGE" | "NO_PERMISSIONS";
type Op = "read" | "create run" | "write" | "manage";
const PERMISSIONS: readonly Permission[] = ["READ", "USE", "EDIT", "MANAGE", "NO_PERMISSIONS"];
const OPS: readonly Op[] = ["read", "create run", "write", "manage"];
/** MLflow's levels: READ reads, USE too (it starts and calls things, which tracking has none of), EDIT writes, MANAGE deletes. */
const ALLOWED: Readonly<Record<Permission, readonly Op[]>> = {
  READ: ["read"],
  USE: ["read"],
  EDIT: ["read", "create run", "write"],
  MANAGE: ["read", "create run", "write", "manage"],
  NO_PERMISSIONS: [],
};

/** As resolvePrincipal builds it on every request: her projects and grants read afresh (lib/auth/principal.ts). */
async function principalOf(db: Db, name: string): Promise<Principal> {
  return personPrincipal(db, (await findUser(db, name)) as UserRow, "token");
}

for (const kind of DB_KINDS) {
  describe(`per-resource permissions (${kind}, ATRIUM_DEFAULT_PERMISSION=NONE)`, () => {
    const db = useTestDatabase(kind);
    const { call, ok, fails } = trackingClient(db);
    let seq = 0;
    const unique = (p: string) => `${p}-${++seq}`;
    const as = (name: string) => principalOf(db(), name);

    beforeAll(async () => {
      if (!db.ready()) return;
      for (const name of ["gr-owner", "gr-reader", "gr-other"]) await insertUser(db(), { name, role: "user", roleSource: "default" });
    });

    /** An experiment with a run, and a registered model, in gr-owner's personal space. */
    async function ownersThings() {
      const owner = await as("gr-owner");
      const { experiment_id } = await ok(call("POST", "experiments/create", { name: unique("gr-exp") }, owner));
      const { run } = (await ok(call("POST", "runs/create", { experiment_id }, owner))) as { run: { info: { run_id: string } } };
      const model = unique("gr-model");
      await ok(call("POST", "registered-models/create", { name: model }, owner));
      return { experimentId: String(experiment_id), runId: run.info.run_id, model };
    }

    const grant = async (what: "experiments" | "registered-models", key: Json, username: string, permission: Permission) =>
      ok(call("POST", `${what}/permissions/create`, { ...key, username, permission }, await as("gr-owner")));

    async function attempt(op: Op, caller: Principal, r: { experimentId: string; runId: string; model: string }): Promise<Reply[]> {
      const e = { experiment_id: r.experimentId };
      switch (op) {
        case "read":
          return [
            await call("GET", "experiments/get", e, caller),
            await call("GET", "runs/get", { run_id: r.runId }, caller),
            await call("GET", "metrics/get-history", { run_id: r.runId, metric_key: "loss" }, caller),
            await call("GET", "registered-models/get", { name: r.model }, caller),
          ];
        case "create run":
          return [await call("POST", "runs/create", e, caller)];
        case "write":
          return [
            await call("POST", "experiments/set-experiment-tag", { ...e, key: "k", value: "v" }, caller),
            await call("POST", "runs/log-metric", { run_id: r.runId, key: "loss", value: 1, timestamp: 1, step: 0 }, caller),
            await call("POST", "registered-models/set-tag", { name: r.model, key: "k", value: "v" }, caller),
          ];
        case "manage":
          return [
            await call("POST", "runs/delete", { run_id: r.runId }, caller),
            await call("DELETE", "registered-models/delete", { name: r.model }, caller),
            await call("POST", "experiments/delete", e, caller),
          ];
      }
    }

    const cells = PERMISSIONS.flatMap((permission) => OPS.map((op) => [permission, op] as const));
    it.each(cells)("a %s grant × %s", async (permission, op) => {
      const r = await ownersThings();
      await grant("experiments", { experiment_id: r.experimentId }, "gr-reader", permission);
      await grant("registered-models", { name: r.model }, "gr-reader", permission);
      const replies = await attempt(op, await as("gr-reader"), r);
      const allowed = ALLOWED[permission].includes(op);
      for (const reply of replies) {
        if (allowed) {
          expect(reply.status, JSON.stringify(reply.body)).toBe(200);
          continue;
        }
        // Readable but not allowed: 403; not readable at all (NO_PERMISSIONS adds nothing): 404, as if it did not exist.
        const readable = permission !== "NO_PERMISSIONS";
        expect(reply.status, JSON.stringify(reply.body)).toBe(readable ? 403 : 404);
        expect(reply.body.error_code).toBe(readable ? "PERMISSION_DENIED" : "RESOURCE_DOES_NOT_EXIST");
      }
    });

    it("grants READ, then EDIT, then nothing: reads and searches, then logs, then 404 again", async () => {
      const r = await ownersThings();
      const runIdsIn = async (who: Principal) =>
        (
          ((await ok(call("POST", "runs/search", { experiment_ids: [r.experimentId] }, who))).runs ?? []) as { info: { run_id: string } }[]
        ).map((x) => x.info.run_id);
      const experimentIdsFor = async (who: Principal) =>
        (((await ok(call("POST", "experiments/search", { max_results: 1000 }, who))).experiments ?? []) as { experiment_id: string }[]).map(
          (x) => x.experiment_id,
        );
      const e = { experiment_id: r.experimentId };
      const logMetric = { run_id: r.runId, key: "loss", value: 0.5, timestamp: 1, step: 1 };

      // Before: nothing of it shows.
      let reader = await as("gr-reader");
      await fails(call("GET", "experiments/get", e, reader), 404, "RESOURCE_DOES_NOT_EXIST");
      expect(await runIdsIn(reader)).toEqual([]);
      expect(await experimentIdsFor(reader)).not.toContain(r.experimentId);

      const created = await grant("experiments", e, "gr-reader", "READ");
      const readerRow = (await findUser(db(), "gr-reader")) as UserRow;
      expect(created).toEqual({ experiment_permission: { experiment_id: r.experimentId, user_id: readerRow.id, permission: "READ" } });
      reader = await as("gr-reader");
      await ok(call("GET", "experiments/get", e, reader));
      await ok(call("GET", "runs/get", { run_id: r.runId }, reader));
      expect(await runIdsIn(reader)).toEqual([r.runId]);
      expect(await experimentIdsFor(reader)).toContain(r.experimentId);
      await fails(call("POST", "runs/log-metric", logMetric, reader), 403, "PERMISSION_DENIED");
      await fails(call("POST", "runs/create", e, reader), 403, "PERMISSION_DENIED");
      // A READ grantee may not grant on: that needs MANAGE.
      await fails(
        call("POST", "experiments/permissions/create", { ...e, username: "gr-other", permission: "READ" }, reader),
        403,
        "PERMISSION_DENIED",
        `may manage the permissions of experiment ${r.experimentId}`,
      );
      // Someone who cannot read it learns nothing, not even that it exists.
      await fails(
        call("GET", "experiments/permissions/get", { ...e, username: "gr-reader" }, await as("gr-other")),
        404,
        "RESOURCE_DOES_NOT_EXIST",
      );

      const owner = await as("gr-owner");
      expect(await ok(call("GET", "experiments/permissions/get", { ...e, username: "gr-reader" }, owner))).toEqual(created);
      expect(await ok(call("PATCH", "experiments/permissions/update", { ...e, username: "gr-reader", permission: "EDIT" }, owner))).toEqual(
        {},
      );
      reader = await as("gr-reader");
      await ok(call("POST", "runs/log-metric", logMetric, reader));
      const { run: own } = (await ok(call("POST", "runs/create", e, reader))) as { run: { info: { run_id: string } } };

      expect(await ok(call("DELETE", "experiments/permissions/delete", { ...e, username: "gr-reader" }, owner))).toEqual({});
      reader = await as("gr-reader");
      await fails(call("GET", "experiments/get", e, reader), 404, "RESOURCE_DOES_NOT_EXIST");
      await fails(call("GET", "runs/get", { run_id: r.runId }, reader), 404, "RESOURCE_DOES_NOT_EXIST");
      // What she made there meanwhile stays hers (creators keep MANAGE); the owner's run is gone from her view.
      expect(await runIdsIn(reader)).toEqual([own.info.run_id]);
      await fails(
        call("GET", "experiments/permissions/get", { ...e, username: "gr-reader" }, owner),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Experiment permission with experiment_id=${r.experimentId} and username=gr-reader not found`,
      );

      const audited = await db().execute(sql`select action from audit_events where target = ${`experiment ${r.experimentId}`} order by id`);
      const actions = (Array.isArray(audited) ? audited : (audited as { rows: unknown[] }).rows) as { action: string }[];
      expect(actions.map((a) => a.action)).toEqual(["permission.grant", "permission.update", "permission.revoke"]);
    });

    it("lists a granted registered model and follows it through a rename; the grant goes with the model", async () => {
      const r = await ownersThings();
      const names = async () =>
        (
          ((await ok(call("GET", "registered-models/search", { max_results: 1000 }, await as("gr-reader")))).registered_models ?? []) as {
            name: string;
          }[]
        ).map((m) => m.name);
      expect(await names()).not.toContain(r.model);
      await grant("registered-models", { name: r.model }, "gr-reader", "READ");
      expect(await names()).toContain(r.model);
      const renamed = `${r.model}-renamed`;
      await ok(call("POST", "registered-models/rename", { name: r.model, new_name: renamed }, await as("gr-owner")));
      expect(await names()).toContain(renamed);
      expect(
        await ok(call("GET", "registered-models/permissions/get", { name: renamed, username: "gr-reader" }, await as("gr-owner"))),
      ).toMatchObject({ registered_model_permission: { name: renamed, permission: "READ" } });
      await ok(call("DELETE", "registered-models/delete", { name: renamed }, await as("gr-owner")));
      // A model made again under the name is someone else's: the old grant is gone with the old model.
      const owner = await as("gr-owner");
      await ok(call("POST", "registered-models/create", { name: renamed }, owner));
      expect(await names()).not.toContain(renamed);
    });

    it("refuses bad input, unknown people, a second grant and more than the cap, in MLflow's words", { timeout: 120_000 }, async () => {
      const r = await ownersThings();
      const owner = await as("gr-owner");
      const e = { experiment_id: r.experimentId };
      await fails(
        call("POST", "experiments/permissions/create", { ...e, username: "gr-reader", permission: "ADMIN" }, owner),
        400,
        "INVALID_PARAMETER_VALUE",
        "Invalid permission 'ADMIN'. Valid permissions are: ('READ', 'USE', 'EDIT', 'MANAGE', 'NO_PERMISSIONS')",
      );
      await fails(
        call("POST", "experiments/permissions/create", { ...e, permission: "READ" }, owner),
        400,
        "INVALID_PARAMETER_VALUE",
        "username",
      );
      await fails(
        call("POST", "experiments/permissions/create", { ...e, username: "nobody-at-all", permission: "READ" }, owner),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "User with username=nobody-at-all not found",
      );
      await fails(
        call("POST", "experiments/permissions/create", { experiment_id: "999999", username: "gr-reader", permission: "READ" }, owner),
        404,
        "RESOURCE_DOES_NOT_EXIST",
      );
      await grant("experiments", e, "gr-reader", "READ");
      await fails(
        call("POST", "experiments/permissions/create", { ...e, username: "gr-reader", permission: "EDIT" }, owner),
        400,
        "RESOURCE_ALREADY_EXISTS",
        `Experiment permission (experiment_id=${r.experimentId}, username=gr-reader) already exists.`,
      );
      await fails(
        call("PATCH", "registered-models/permissions/update", { name: r.model, username: "gr-reader", permission: "EDIT" }, owner),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        `Registered model permission with name=${r.model} and username=gr-reader not found`,
      );

      // The cap: one grant is there; fill up to it (straight into the tables: 99 API calls are slow on a busy
      // machine), then one more is refused and nothing is stored.
      const fillers = Array.from({ length: MAX_GRANTS_PER_RESOURCE - 1 }, (_, i) =>
        withNewIdentity({ name: `gr-many-${seq}-${i}`, role: "user", roleSource: "default" }),
      );
      await db().insert(users).values(fillers);
      await db()
        .insert(experimentPermissions)
        .values(fillers.map((u) => ({ experimentId: Number(r.experimentId), userId: u.id, permission: "READ" as const, grantedBy: null })));
      const msg = await fails(
        call("POST", "experiments/permissions/create", { ...e, username: "gr-other", permission: "READ" }, owner),
        400,
        "BAD_REQUEST",
      );
      expect(msg).toBe(
        `Experiment ${r.experimentId} already has ${MAX_GRANTS_PER_RESOURCE} permissions, the most it may have: delete one, or add the people to a project instead.`,
      );
      await fails(call("GET", "experiments/permissions/get", { ...e, username: "gr-other" }, owner), 404, "RESOURCE_DOES_NOT_EXIST");
    });
    describe("grants to an SSO group (group_name, an Atrium extension)", () => {
      /** An SSO sign-in whose groups claim says `groups`, as lib/users/sign-in.ts stores it; then her principal. */
      const signIn = async (name: string, groups: string[]) => {
        const user = await signInUser(db(), { method: "oidc", name, identity: { issuer: "https://idp.test", subject: name }, groups });
        return principalOf(db(), user.name);
      };
      const experimentIdsFor = async (who: Principal) =>
        (((await ok(call("POST", "experiments/search", { max_results: 1000 }, who))).experiments ?? []) as { experiment_id: string }[]).map(
          (x) => x.experiment_id,
        );
      const modelNamesFor = async (who: Principal) =>
        (
          ((await ok(call("GET", "registered-models/search", { max_results: 1000 }, who))).registered_models ?? []) as { name: string }[]
        ).map((x) => x.name);

      it("lets the group's members read and edit by it, lists it in searches, and drops it when a sign-in no longer names the group", async () => {
        const r = await ownersThings();
        const owner = await as("gr-owner");
        const e = { experiment_id: r.experimentId };
        let member = await signIn("gr-member", ["gr-team", "other-team"]);
        const outsider = await signIn("gr-outsider", ["other-team"]);
        await fails(call("GET", "experiments/get", e, member), 404, "RESOURCE_DOES_NOT_EXIST");
        expect(await experimentIdsFor(member)).not.toContain(r.experimentId);

        const created = await ok(
          call("POST", "experiments/permissions/create", { ...e, group_name: "gr-team", permission: "EDIT" }, owner),
        );
        expect(created).toEqual({ experiment_permission: { experiment_id: r.experimentId, group_name: "gr-team", permission: "EDIT" } });
        await ok(call("POST", "registered-models/permissions/create", { name: r.model, group_name: "gr-team", permission: "READ" }, owner));
        member = await as("gr-member");
        await ok(call("GET", "experiments/get", e, member));
        await ok(call("POST", "runs/create", e, member));
        await ok(call("POST", "experiments/set-experiment-tag", { ...e, key: "by", value: "group" }, member));
        await ok(call("GET", "registered-models/get", { name: r.model }, member));
        await fails(call("POST", "registered-models/set-tag", { name: r.model, key: "k", value: "v" }, member), 403, "PERMISSION_DENIED");
        await fails(call("POST", "experiments/delete", e, member), 403, "PERMISSION_DENIED");
        // The list filter (ATRIUM_DEFAULT_PERMISSION=NONE) includes what her group was granted, and only for her.
        expect(await experimentIdsFor(member)).toContain(r.experimentId);
        expect(await modelNamesFor(member)).toContain(r.model);
        expect(await experimentIdsFor(outsider)).not.toContain(r.experimentId);
        await fails(call("GET", "experiments/get", e, outsider), 404, "RESOURCE_DOES_NOT_EXIST");
        // Her own grant and her group's: the strongest wins.
        await grant("registered-models", { name: r.model }, "gr-member", "MANAGE");
        await ok(call("POST", "registered-models/set-tag", { name: r.model, key: "k", value: "v" }, await as("gr-member")));
        await ok(call("DELETE", "registered-models/permissions/delete", { name: r.model, username: "gr-member" }, owner));

        // The identity provider drops her from the group: from her next sign-in the grant no longer reaches her.
        member = await signIn("gr-member", ["other-team"]);
        await fails(call("GET", "experiments/get", e, member), 404, "RESOURCE_DOES_NOT_EXIST");
        await fails(call("POST", "runs/create", e, member), 404, "RESOURCE_DOES_NOT_EXIST");
        expect(await experimentIdsFor(member)).not.toContain(r.experimentId);
        expect(await modelNamesFor(member)).not.toContain(r.model);
      });

      it("gets, updates and deletes a group's grant, audited, and refuses a second one or a request naming both or neither", async () => {
        const r = await ownersThings();
        const owner = await as("gr-owner");
        const e = { experiment_id: r.experimentId };
        await ok(call("POST", "experiments/permissions/create", { ...e, group_name: "gr-crew", permission: "READ" }, owner));
        await fails(
          call("POST", "experiments/permissions/create", { ...e, group_name: "gr-crew", permission: "EDIT" }, owner),
          400,
          "RESOURCE_ALREADY_EXISTS",
          `Experiment permission (experiment_id=${r.experimentId}, group_name=gr-crew) already exists.`,
        );
        // A person's grant and a group's are apart even under one name.
        await ok(call("POST", "experiments/permissions/create", { ...e, username: "gr-reader", permission: "READ" }, owner));
        await ok(call("PATCH", "experiments/permissions/update", { ...e, group_name: "gr-crew", permission: "MANAGE" }, owner));
        expect(await ok(call("GET", "experiments/permissions/get", { ...e, group_name: "gr-crew" }, owner))).toEqual({
          experiment_permission: { experiment_id: r.experimentId, group_name: "gr-crew", permission: "MANAGE" },
        });
        await ok(call("DELETE", "experiments/permissions/delete", { ...e, group_name: "gr-crew" }, owner));
        await fails(
          call("GET", "experiments/permissions/get", { ...e, group_name: "gr-crew" }, owner),
          404,
          "RESOURCE_DOES_NOT_EXIST",
          `Experiment permission with experiment_id=${r.experimentId} and group_name=gr-crew not found`,
        );
        for (const both of [{ username: "gr-reader", group_name: "gr-crew" }, {}]) {
          await fails(
            call("POST", "experiments/permissions/create", { ...e, ...both, permission: "READ" }, owner),
            400,
            "INVALID_PARAMETER_VALUE",
            "Give exactly one of 'username' (a person) and 'group_name' (an SSO group).",
          );
        }
        await fails(
          call("POST", "experiments/permissions/create", { ...e, group_name: "g".repeat(257), permission: "READ" }, owner),
          400,
          "INVALID_PARAMETER_VALUE",
        );
        const audit = await db()
          .select()
          .from(auditEvents)
          .where(eq(auditEvents.target, `experiment ${r.experimentId}`))
          .orderBy(auditEvents.id);
        const rows = audit.map((a) => [a.action, a.detail]);
        expect(rows).toEqual([
          ["permission.grant", { group: "gr-crew", permission: "READ" }],
          ["permission.grant", { user: "gr-reader", permission: "READ" }],
          ["permission.update", { group: "gr-crew", permission: "MANAGE" }],
          ["permission.revoke", { group: "gr-crew" }],
        ]);
      });
    });
  });
}
