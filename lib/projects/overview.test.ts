/**
 * The project pages' data (lib/projects/overview.ts) on both database kinds: the list counts what lives in each of
 * the caller's projects and nothing of her personal space or deleted experiments; one project's page lists its
 * things, says whether she may manage it or create in it, and is a 404 for someone outside it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Db } from "@/db/client";
import { findProject } from "@/db/queries/projects";
import { upsertServer } from "@/db/queries/servers";
import { serverRowFixture } from "@/db/server-fixture";
import { membershipsOf } from "@/db/queries/resource-permissions";
import { findUser, insertUser, type UserRow } from "@/db/queries/users";
import { jobs } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { ApiError } from "@/lib/http/api-error";
import { trackingClient } from "@/lib/tracking/testing";
import { addMember, createProject } from "./manage";
import { listProjectSummaries, projectPage } from "./overview";

async function principalOf(db: Db, name: string): Promise<Principal> {
  const user = (await findUser(db, name)) as UserRow;
  return {
    name,
    userId: user.id,
    role: "user",
    admin: false,
    via: "token",
    projectRoles: (await membershipsOf(db, user.id, user.ssoGroups)).projectRoles,
  };
}

for (const kind of DB_KINDS) {
  describe(`project pages' data (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { call, ok } = trackingClient(db);
    const who: Record<string, Principal> = {};

    beforeAll(async () => {
      if (!db.ready()) return;
      for (const name of ["po-owner", "po-viewer", "po-stranger"]) await insertUser(db(), { name, role: "user", roleSource: "default" });
      await createProject(db(), await principalOf(db(), "po-owner"), { name: "churn", description: "Who leaves" });
      await createProject(db(), await principalOf(db(), "po-owner"), { name: "empty", description: "" });
      await addMember(db(), await principalOf(db(), "po-owner"), "churn", { name: "po-viewer", role: "viewer" });
      for (const name of ["po-owner", "po-viewer", "po-stranger"]) who[name] = await principalOf(db(), name);
      const owner = who["po-owner"]!;
      const inChurn = { "x-mlflow-workspace": "churn" };
      // In the project: two experiments (one deleted), three runs, a model with two versions, a job.
      const { experiment_id: kept } = await ok(call("POST", "experiments/create", { name: "po-kept" }, owner, inChurn));
      const { experiment_id: gone } = await ok(call("POST", "experiments/create", { name: "po-gone" }, owner, inChurn));
      for (let i = 0; i < 3; i++) await ok(call("POST", "runs/create", { experiment_id: kept }, owner));
      await ok(call("POST", "runs/create", { experiment_id: gone }, owner));
      await ok(call("POST", "experiments/delete", { experiment_id: gone }, owner));
      await ok(call("POST", "registered-models/create", { name: "po-model" }, owner, inChurn));
      for (let i = 0; i < 2; i++) await ok(call("POST", "model-versions/create", { name: "po-model", source: "s3://b/m" }, owner));
      const churnId = (await findProject(db(), "churn"))!.id;
      await db().insert(jobs).values({
        id: "po-job",
        ownerName: "po-owner",
        ownerId: owner.userId!,
        name: "nightly",
        path: "train.py",
        environmentId: "python",
        cpu: 1,
        memGb: 1,
        timeoutS: 60,
        trigger: "manual",
        projectId: churnId,
      });
      // A running server in the project, a stopped one (holds nothing), and one in her personal space.
      await upsertServer(db(), await serverRowFixture(db(), "po-owner", "lab", { projectId: churnId, status: "running", cpu: 2 }));
      await upsertServer(db(), await serverRowFixture(db(), "po-owner", "old", { projectId: churnId, status: "stopped" }));
      await upsertServer(db(), await serverRowFixture(db(), "po-owner", "mine", { status: "running" }));
      // In her personal space: counted nowhere.
      await ok(call("POST", "experiments/create", { name: "po-personal" }, owner));
    });

    it("lists the caller's projects with her role and what lives in each", async () => {
      const list = await listProjectSummaries(db(), who["po-owner"]!);
      expect(list.map((p) => [p.name, p.role, p.counts])).toEqual([
        ["churn", "owner", { members: 2, experiments: 1, runs: 3, registeredModels: 1, modelVersions: 2, jobs: 1, endpoints: 0 }],
        ["empty", "owner", { members: 1, experiments: 0, runs: 0, registeredModels: 0, modelVersions: 0, jobs: 0, endpoints: 0 }],
      ]);
      expect((await listProjectSummaries(db(), who["po-viewer"]!)).map((p) => [p.name, p.role])).toEqual([["churn", "viewer"]]);
      expect(await listProjectSummaries(db(), who["po-stranger"]!)).toEqual([]);
    });

    it("shows a project's members and things, and what the caller may do there", async () => {
      const page = await projectPage(db(), who["po-owner"]!, "churn");
      expect(page.members.map((m) => [m.name, m.role])).toEqual([
        ["po-owner", "owner"],
        ["po-viewer", "viewer"],
      ]);
      expect(page.contents.experiments.map((e) => e.name)).toEqual(["po-kept"]);
      expect(page.contents.registeredModels.map((m) => m.name)).toEqual(["po-model"]);
      expect(page.contents.jobs.map((j) => [j.name, j.owner])).toEqual([["nightly", "po-owner"]]);
      expect(page.contents.endpoints).toEqual([]);
      // What holds against its allowance: the running server only; no limit set.
      expect(page.contents.servers).toEqual([{ owner: "po-owner", name: "lab", status: "running" }]);
      expect(page.inUse).toMatchObject({ cpu: 2, servers: 1, jobs: 0 });
      expect(page.allowance).toEqual({ cpu: null, memGb: null, endpoints: null, storageGb: null });
      expect([page.canManage, page.canCreate, page.canStart]).toEqual([true, true, true]);
      const seen = await projectPage(db(), who["po-viewer"]!, "churn");
      expect([seen.role, seen.canManage, seen.canCreate, seen.canStart]).toEqual(["viewer", false, false, false]);
      expect(seen.contents.experiments.map((e) => e.name)).toEqual(["po-kept"]);
    });

    it("is a 404 for someone outside the project, as for a project that does not exist", async () => {
      for (const name of ["churn", "no-such-project"]) {
        const err = await projectPage(db(), who["po-stranger"]!, name).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ApiError);
        expect(err).toMatchObject({ status: 404, code: "project_not_found" });
      }
    });
  });
}
