/**
 * The project access matrix (docs/projects.md) with ATRIUM_DEFAULT_PERMISSION=NONE: each project role ×
 * read / create a run / write / delete (manage) × a resource in the caller's project, in another project and in
 * someone's personal space, through the MLflow operation layer; exactly the allowed cells succeed, the rest are
 * 404 (what the caller may not read does not exist for her) or 403. Searches show only readable rows. Then
 * group membership, the last owner, and the portal API's refusals.
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

import type { Db } from "@/db/client";
import { findUser, insertUser, updateUser, type UserRow } from "@/db/queries/users";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { personPrincipal, type Principal } from "@/lib/auth/principal";
import { ApiError } from "@/lib/http/api-error";
import { trackingClient, type Reply } from "@/lib/tracking/testing";
import { addMember, changeMember, changeProject, createProject, getProject, listProjectsFor, removeMember } from "./manage";

type Role = "viewer" | "user" | "editor" | "owner";
type Place = "in-project" | "other project" | "personal";
type Op = "read" | "create run" | "write" | "manage";
const ROLES: readonly Role[] = ["viewer", "user", "editor", "owner"];
const PLACES: readonly Place[] = ["in-project", "other project", "personal"];
const OPS: readonly Op[] = ["read", "create run", "write", "manage"];

/** The allowed cells: only in the caller's project, by MLflow's levels READ < USE < EDIT < MANAGE. */
const ALLOWED: Readonly<Record<Role, readonly Op[]>> = {
  viewer: ["read"],
  user: ["read"],
  editor: ["read", "create run", "write"],
  owner: ["read", "create run", "write", "manage"],
};

/** A principal as resolvePrincipal builds it: her project roles read from the memberships (lib/auth/principal.ts). */
async function principalOf(db: Db, name: string): Promise<Principal> {
  return { projectRoles: {}, ...(await personPrincipal(db, (await findUser(db, name)) as UserRow, "token")) };
}

const ws = (name: string) => ({ "x-mlflow-workspace": name });

for (const kind of DB_KINDS) {
  describe(`projects: the access matrix (${kind}, ATRIUM_DEFAULT_PERMISSION=NONE)`, () => {
    const db = useTestDatabase(kind);
    const { call, ok } = trackingClient(db);
    const v3 = trackingClient(db, "/api/3.0/mlflow/");
    const who: Record<string, Principal> = {};
    let seq = 0;
    const unique = (p: string) => `${p}-${++seq}`;

    beforeAll(async () => {
      if (!db.ready()) return;
      for (const name of ["pm-owner", "pm-viewer", "pm-user", "pm-editor", "pm-stranger", "pm-grouped"]) {
        await insertUser(db(), { name, role: "user", roleSource: "default", ...(name === "pm-grouped" ? { ssoGroups: ["ml-team"] } : {}) });
      }
      const owner = await principalOf(db(), "pm-owner");
      await createProject(db(), owner, { name: "vision", description: "" });
      const ownerNow = await principalOf(db(), "pm-owner");
      for (const role of ["viewer", "user", "editor"] as const) await addMember(db(), ownerNow, "vision", { name: `pm-${role}`, role });
      await addMember(db(), ownerNow, "vision", { group: "ml-team", role: "editor" });
      await createProject(db(), await principalOf(db(), "pm-stranger"), { name: "other", description: "" });
      for (const name of ["pm-owner", "pm-viewer", "pm-user", "pm-editor", "pm-stranger", "pm-grouped"])
        who[name] = await principalOf(db(), name);
    });

    /**
     * A fresh experiment with a run (with a metric), a logged model, a trace with an assessment and an evaluation
     * dataset, and a registered model, in the place; made by the place's owner.
     */
    async function resourcesIn(place: Place) {
      const [maker, headers] =
        place === "in-project"
          ? [who["pm-owner"]!, ws("vision")]
          : place === "other project"
            ? [who["pm-stranger"]!, ws("other")]
            : [who["pm-stranger"]!, {}];
      const experimentName = unique("pm-exp");
      const { experiment_id } = await ok(call("POST", "experiments/create", { name: experimentName }, maker, headers));
      const { run } = (await ok(call("POST", "runs/create", { experiment_id }, maker))) as { run: { info: { run_id: string } } };
      await ok(call("POST", "runs/log-metric", { run_id: run.info.run_id, key: "loss", value: 1, timestamp: 1, step: 0 }, maker));
      const { model: logged } = (await ok(call("POST", "logged-models", { experiment_id }, maker))) as {
        model: { info: { model_id: string } };
      };
      const { trace_info } = (await ok(call("POST", "traces", { experiment_id, timestamp_ms: 1 }, maker))) as {
        trace_info: { request_id: string };
      };
      const traceId = trace_info.request_id;
      const assessment = {
        assessment_name: "ok",
        trace_id: traceId,
        source: { source_type: "HUMAN", source_id: "me" },
        feedback: { value: true },
      };
      const { assessment: made } = (await ok(v3.call("POST", `traces/${traceId}/assessments`, { assessment }, maker))) as {
        assessment: { assessment_id: string };
      };
      await ok(v3.call("POST", "datasets/create", { name: unique("pm-ds"), experiment_ids: [String(experiment_id)] }, maker));
      const model = unique("pm-model");
      await ok(call("POST", "registered-models/create", { name: model }, maker, headers));
      return {
        experimentId: String(experiment_id),
        experimentName,
        runId: run.info.run_id,
        model,
        loggedModelId: logged.info.model_id,
        traceId,
        assessmentId: made.assessment_id,
      };
    }
    type Made = Awaited<ReturnType<typeof resourcesIn>>;

    /** Every read that names the resource, the side doors too: each must be a 404 where the caller may not read it. */
    async function reads(caller: Principal, r: Made): Promise<Reply[]> {
      const e = { experiment_id: r.experimentId };
      const run = { run_id: r.runId };
      return [
        await call("GET", "experiments/get", e, caller),
        await call("GET", "experiments/get-by-name", { experiment_name: r.experimentName }, caller),
        await call("GET", "runs/get", run, caller),
        await call("GET", "metrics/get-history", { ...run, metric_key: "loss" }, caller),
        await call("GET", "metrics/get-history-bulk", { ...run, metric_key: "loss" }, caller),
        await call("GET", "metrics/get-history-bulk-interval", { run_ids: r.runId, metric_key: "loss", max_results: 10 }, caller),
        await call("GET", "artifacts/list", run, caller),
        await call("GET", `logged-models/${r.loggedModelId}`, {}, caller),
        await call("GET", `logged-models/${r.loggedModelId}/artifacts/directories`, {}, caller),
        await call("GET", `traces/${r.traceId}/info`, {}, caller),
        await v3.call("GET", `traces/${r.traceId}/assessments/${r.assessmentId}`, {}, caller),
        await v3.call("GET", "datasets/search", { experiment_ids: r.experimentId }, caller),
        await v3.call("GET", "scorers/list", e, caller),
        await call("GET", "registered-models/get", { name: r.model }, caller),
        await call("GET", "registered-models/get-latest-versions", { name: r.model }, caller),
      ];
    }

    /** The calls one cell makes; each must succeed, or all be refused. */
    async function attempt(op: Op, caller: Principal, r: Made): Promise<Reply[]> {
      const e = { experiment_id: r.experimentId };
      switch (op) {
        case "read":
          return reads(caller, r);
        case "create run":
          return [await call("POST", "runs/create", e, caller)];
        case "write":
          return [
            await call("POST", "experiments/set-experiment-tag", { ...e, key: "k", value: "v" }, caller),
            await call("POST", "runs/set-tag", { run_id: r.runId, key: "k", value: "v" }, caller),
            await call("POST", "registered-models/set-tag", { name: r.model, key: "k", value: "v" }, caller),
          ];
        case "manage":
          return [
            await call("POST", "runs/delete", { run_id: r.runId }, caller),
            await call("POST", "experiments/delete", e, caller),
            await call("DELETE", "registered-models/delete", { name: r.model }, caller),
          ];
      }
    }

    const cells = ROLES.flatMap((role) => PLACES.flatMap((place) => OPS.map((op) => [role, place, op] as const)));
    it.each(cells)("%s × %s × %s", async (role, place, op) => {
      const caller = who[role === "owner" ? "pm-owner" : `pm-${role}`]!;
      // The owner made the in-project resources: another owner's cells would test the creator rule instead.
      const r = await resourcesIn(place);
      const replies = await attempt(op, caller, r);
      const allowed = place === "in-project" && ALLOWED[role].includes(op);
      for (const reply of replies) {
        if (allowed) {
          expect(reply.status, JSON.stringify(reply.body)).toBe(200);
          continue;
        }
        // Readable but not allowed: 403; not readable at all: 404, as if it did not exist.
        const readable = place === "in-project";
        expect(reply.status, JSON.stringify(reply.body)).toBe(readable ? 403 : 404);
        expect(reply.body.error_code).toBe(readable ? "PERMISSION_DENIED" : "RESOURCE_DOES_NOT_EXIST");
      }
    });

    it("lets a project member who did not create them manage nothing in it unless she is an owner", async () => {
      // A second owner (not the creator) may delete; an editor may not: MLflow's MANAGE.
      await addMember(db(), who["pm-owner"]!, "vision", { name: "pm-stranger", role: "owner" });
      const secondOwner = await principalOf(db(), "pm-stranger");
      const r = await resourcesIn("in-project");
      expect((await call("POST", "experiments/delete", { experiment_id: r.experimentId }, who["pm-editor"]!)).status).toBe(403);
      await ok(call("POST", "experiments/delete", { experiment_id: r.experimentId }, secondOwner));
      await removeMember(db(), who["pm-owner"]!, "vision", "pm-stranger");
    });

    it("shows only readable rows in runs, experiments and registered models searches", async () => {
      const mine = await resourcesIn("in-project");
      const theirs = await resourcesIn("other project");
      const personal = await resourcesIn("personal");
      const viewer = who["pm-viewer"]!;
      const all = [mine, theirs, personal];
      const runs = (await ok(
        call("POST", "runs/search", { experiment_ids: all.map((r) => r.experimentId), max_results: 1000 }, viewer),
      )) as {
        runs?: { info: { run_id: string } }[];
      };
      const runIds = (runs.runs ?? []).map((r) => r.info.run_id);
      expect(runIds).toContain(mine.runId);
      expect(runIds).not.toContain(theirs.runId);
      expect(runIds).not.toContain(personal.runId);

      const exps = (await ok(call("POST", "experiments/search", { max_results: 1000 }, viewer))) as {
        experiments?: { experiment_id: string }[];
      };
      const expIds = (exps.experiments ?? []).map((e) => e.experiment_id);
      expect(expIds).toContain(mine.experimentId);
      expect(expIds).not.toContain(theirs.experimentId);
      expect(expIds).not.toContain(personal.experimentId);
      expect(expIds).not.toContain("0");

      const models = (await ok(call("GET", "registered-models/search", { max_results: 1000 }, viewer))) as {
        registered_models?: { name: string }[];
      };
      const names = (models.registered_models ?? []).map((m) => m.name);
      expect(names).toContain(mine.model);
      expect(names).not.toContain(theirs.model);
      expect(names).not.toContain(personal.model);

      // Someone in no project sees only what she made.
      const loner = { ...who["pm-stranger"]!, projectRoles: {} };
      const lonerExps = (await ok(call("POST", "experiments/search", { max_results: 1000 }, loner))) as {
        experiments?: { experiment_id: string }[];
      };
      expect((lonerExps.experiments ?? []).map((e) => e.experiment_id)).not.toContain(mine.experimentId);
    });

    it("keeps a former member's own runs in her searches of the project's experiment, and nobody else's", async () => {
      const r = await resourcesIn("in-project");
      const editor = who["pm-editor"]!;
      const { run } = (await ok(call("POST", "runs/create", { experiment_id: r.experimentId }, editor))) as {
        run: { info: { run_id: string } };
      };
      const search = async (p: Principal, ids: string[]) =>
        (
          ((await ok(call("POST", "runs/search", { experiment_ids: ids, max_results: 1000 }, p))).runs ?? []) as {
            info: { run_id: string };
          }[]
        ).map((x) => x.info.run_id);
      // She left the project: its experiment is no longer hers to read, the run she made still is.
      const former = { ...editor, projectRoles: {} };
      expect(await search(former, [r.experimentId])).toEqual([run.info.run_id]);
      const mixed = await search(former, [r.experimentId, (await resourcesIn("personal")).experimentId]);
      expect(mixed).toEqual([run.info.run_id]);
      // Someone who may read none of it and made none of it gets an empty page.
      expect(await search({ ...who["pm-stranger"]!, projectRoles: {} }, [r.experimentId])).toEqual([]);
      expect(await search(editor, [r.experimentId])).toEqual(expect.arrayContaining([r.runId, run.info.run_id]));
    });

    it("admits a group's members by the SSO groups of their latest sign-in, and drops them when the group goes", async () => {
      const r = await resourcesIn("in-project");
      const grouped = who["pm-grouped"]!;
      expect(grouped.projectRoles).toEqual({ [Object.keys(who["pm-viewer"]!.projectRoles ?? {})[0]!]: "editor" });
      await ok(call("POST", "runs/create", { experiment_id: r.experimentId }, grouped));
      await updateUser(db(), "pm-grouped", { ssoGroups: ["someone-else"] });
      const after = await principalOf(db(), "pm-grouped");
      expect(after.projectRoles).toEqual({});
      expect((await call("POST", "runs/create", { experiment_id: r.experimentId }, after)).status).toBe(404);
      await updateUser(db(), "pm-grouped", { ssoGroups: ["ml-team"] });
    });

    it("creates in a project only for its editors and owners, and a workspace the caller cannot see does not exist", async () => {
      const name = unique("pm-ws");
      const viewerTry = await call("POST", "experiments/create", { name }, who["pm-viewer"]!, ws("vision"));
      expect(viewerTry.status).toBe(403);
      expect(viewerTry.body.message).toBe("Only editors and owners of project 'vision' or an admin may create experiments in it.");
      const stranger = await call("POST", "experiments/create", { name }, who["pm-viewer"]!, ws("other"));
      expect([stranger.status, stranger.body.error_code]).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
      expect((await call("POST", "registered-models/create", { name }, who["pm-user"]!, ws("vision"))).status).toBe(403);
      await ok(call("POST", "experiments/create", { name }, who["pm-editor"]!, ws("vision")));
      // Nothing was made by the refused attempts: the name was free for the editor.
    });

    it("lists the caller's projects as MLflow workspaces, her personal space first", async () => {
      const list = await ok(call("GET", "workspaces", {}, who["pm-viewer"]!));
      expect(list).toEqual({
        workspaces: [
          { name: "default", description: "Your personal space" },
          { name: "vision", description: "" },
        ],
      });
      expect(await ok(call("GET", "workspaces/vision", {}, who["pm-viewer"]!))).toEqual({ workspace: { name: "vision", description: "" } });
      const hidden = await call("GET", "workspaces/other", {}, who["pm-viewer"]!);
      expect([hidden.status, hidden.body.error_code]).toEqual([404, "RESOURCE_DOES_NOT_EXIST"]);
    });

    it("never removes or demotes the last owner", async () => {
      const owner = who["pm-owner"]!;
      const lastOwner = { status: 409, code: "last_owner", message: 'Project "vision" needs an owner: make someone else an owner first.' };
      const asError = (p: Promise<unknown>) =>
        p.then(
          () => null,
          (e: unknown) => (e instanceof ApiError ? { status: e.status, code: e.code, message: e.message } : e),
        );
      expect(await asError(removeMember(db(), owner, "vision", "pm-owner"))).toEqual(lastOwner);
      expect(await asError(changeMember(db(), owner, "vision", "pm-owner", "editor"))).toEqual(lastOwner);
      // A group owner counts as an owner.
      await changeMember(db(), owner, "vision", "group:ml-team", "owner");
      await changeMember(db(), owner, "vision", "pm-owner", "editor");
      const members = (await getProject(db(), who["pm-viewer"]!, "vision")).members;
      expect(members.find((m) => m.member === "pm-owner")?.role).toBe("editor");
      const grouped = await principalOf(db(), "pm-grouped");
      await changeMember(db(), grouped, "vision", "pm-owner", "owner");
      await changeMember(db(), owner, "vision", "group:ml-team", "editor");
    });

    it("refuses the portal API's project changes to all but owners, and hides projects from outsiders", async () => {
      const err = (p: Promise<unknown>) =>
        p.then(
          () => null,
          (e: unknown) => (e instanceof ApiError ? [e.status, e.code] : e),
        );
      expect(await err(changeProject(db(), who["pm-editor"]!, "vision", { description: "x" }))).toEqual([403, "permission_denied"]);
      expect(await err(addMember(db(), who["pm-editor"]!, "vision", { name: "pm-stranger", role: "owner" }))).toEqual([
        403,
        "permission_denied",
      ]);
      expect(await err(getProject(db(), who["pm-viewer"]!, "other"))).toEqual([404, "project_not_found"]);
      expect(await err(addMember(db(), who["pm-owner"]!, "vision", { name: "pm-viewer", role: "owner" }))).toEqual([409, "member_exists"]);
      expect(await err(addMember(db(), who["pm-owner"]!, "vision", { name: "nobody-here", role: "viewer" }))).toEqual([
        404,
        "user_not_found",
      ]);
      expect((await listProjectsFor(db(), who["pm-viewer"]!)).map((p) => [p.name, p.role])).toEqual([["vision", "viewer"]]);
      expect((await changeProject(db(), who["pm-owner"]!, "vision", { description: "Vision models" })).description).toBe("Vision models");
      await changeProject(db(), who["pm-owner"]!, "vision", { description: "" });
    });
  });
}
