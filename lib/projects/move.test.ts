/**
 * Moving experiments, registered models, jobs and endpoints between projects (lib/projects/move.ts) with
 * ATRIUM_DEFAULT_PERMISSION=NONE, on both databases: the matrix of the mover's role where the thing is (owner,
 * editor, viewer, outsider) × her role in the target (owner, editor, user, viewer, outsider) × each kind; exactly
 * "owner here and editor or owner there" moves it, every other cell changes nothing and is a 404 (what she may not
 * see) or a 403. Then what follows an experiment (its runs), the way back to the personal space, and the audit.
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

import { and, eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { insertJob } from "@/db/queries/jobs";
import type { ProjectRow } from "@/db/queries/projects";
import { findProject } from "@/db/queries/projects";
import { findUser, insertUser, type UserRow } from "@/db/queries/users";
import { auditEvents, experiments, jobs, projects, registeredModels, servingEndpoints } from "@/db/schema";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { personPrincipal, type Principal } from "@/lib/auth/principal";
import { ApiError } from "@/lib/http/api-error";
import { trackingClient } from "@/lib/tracking/testing";
import { addMember, createProject } from "./manage";
import { moveToProject, type MovableKind } from "./move";

type Role = "owner" | "editor" | "user" | "viewer" | "none";
const HERE: readonly Role[] = ["owner", "editor", "viewer", "none"];
const THERE: readonly Role[] = ["owner", "editor", "user", "viewer", "none"];
const KINDS: readonly MovableKind[] = ["experiment", "registered_model", "job", "endpoint"];

async function principalOf(db: Db, name: string): Promise<Principal> {
  return personPrincipal(db, (await findUser(db, name)) as UserRow, "token");
}

/** What the move answers: "moved", or the refusal's status and code. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "moved";
  } catch (e) {
    if (e instanceof ApiError) return `${e.status} ${e.code}`;
    throw e;
  }
}

/** The cell's expected answer: MANAGE where it is (owners) and EDIT where it goes (editors, owners). */
function expected(kind: MovableKind, here: Role, there: Role): string {
  if (here === "none") return `404 ${kind}_not_found`;
  if (here !== "owner") return `403 ${kind === "job" ? "forbidden" : "permission_denied"}`;
  if (there === "none") return "404 project_not_found";
  return there === "owner" || there === "editor" ? "moved" : "403 permission_denied";
}

for (const dbKind of DB_KINDS) {
  describe(`moving things into projects (${dbKind}, ATRIUM_DEFAULT_PERMISSION=NONE)`, () => {
    const db = useTestDatabase(dbKind);
    const { call, ok } = trackingClient(db);
    let maker: UserRow;
    let src: ProjectRow;
    let dst: ProjectRow;
    let seq = 0;
    const unique = (p: string) => `${p}-${++seq}`;
    const as = (name: string) => principalOf(db(), name);

    beforeAll(async () => {
      if (!db.ready()) return;
      maker = (await insertUser(db(), { name: "mv-maker", role: "user", roleSource: "default" })) as UserRow;
      for (const here of HERE)
        for (const there of THERE) await insertUser(db(), { name: `mv-${here}-${there}`, role: "user", roleSource: "default" });
      await createProject(db(), await as("mv-maker"), { name: "mv-src", description: "" });
      await createProject(db(), await as("mv-maker"), { name: "mv-dst", description: "" });
      const boss = await as("mv-maker");
      for (const here of HERE)
        for (const there of THERE) {
          const name = `mv-${here}-${there}`;
          if (here !== "none" && here !== "owner") await addMember(db(), boss, "mv-src", { name, role: here });
          if (here === "owner") await addMember(db(), boss, "mv-src", { name, role: "owner" });
          if (there !== "none") await addMember(db(), boss, "mv-dst", { name, role: there });
        }
      src = (await findProject(db(), "mv-src"))!;
      dst = (await findProject(db(), "mv-dst"))!;
    });

    /** A fresh one of the kind in the project (null: its maker's personal space), made by mv-maker; its id and how to read its project. */
    async function made(kind: MovableKind, projectId: string | null): Promise<{ id: string; projectNow: () => Promise<string | null> }> {
      const name = unique(`mv-${kind}`);
      const now = Date.now();
      const first = <T>(rows: T[]) => rows[0]!;
      switch (kind) {
        case "experiment": {
          const row = first(
            await db()
              .insert(experiments)
              .values({
                name,
                artifactLocation: "a",
                creationTime: now,
                lastUpdateTime: now,
                owner: maker.name,
                ownerId: maker.id,
                projectId,
              })
              .returning(),
          );
          const projectNow = async () => first(await db().select().from(experiments).where(eq(experiments.id, row.id))).projectId;
          return { id: String(row.id), projectNow };
        }
        case "registered_model": {
          await db()
            .insert(registeredModels)
            .values({ name, creationTime: now, lastUpdatedTime: now, userId: maker.name, ownerId: maker.id, projectId });
          const projectNow = async () => first(await db().select().from(registeredModels).where(eq(registeredModels.name, name))).projectId;
          return { id: name, projectNow };
        }
        case "job": {
          const job = await insertJob(db(), {
            id: name,
            ownerName: maker.name,
            ownerId: maker.id,
            name,
            path: "n.py",
            environmentId: "python",
            cpu: 1,
            memGb: 1,
            timeoutS: 60,
            trigger: "manual",
            projectId,
          });
          const projectNow = async () => first(await db().select().from(jobs).where(eq(jobs.id, job.id))).projectId;
          return { id: job.id, projectNow };
        }
        case "endpoint": {
          await db().insert(servingEndpoints).values({ id: name, name, ownerId: maker.id, projectId });
          const projectNow = async () => first(await db().select().from(servingEndpoints).where(eq(servingEndpoints.name, name))).projectId;
          return { id: name, projectNow };
        }
      }
    }

    for (const kind of KINDS) {
      it(`${kind}: only its project's owners who edit in the target move it; every other cell changes nothing`, async () => {
        if (!db.ready()) return;
        const cells: string[] = [];
        const wanted: string[] = [];
        for (const here of HERE)
          for (const there of THERE) {
            const thing = await made(kind, src.id);
            const mover = await as(`mv-${here}-${there}`);
            const got = await outcome(moveToProject(db(), mover, "mv-dst", { kind, id: thing.id }));
            const where = await thing.projectNow();
            cells.push(`${here}→${there}: ${got}, now in ${where === dst.id ? "dst" : where === src.id ? "src" : where}`);
            const want = expected(kind, here, there);
            wanted.push(`${here}→${there}: ${want}, now in ${want === "moved" ? "dst" : "src"}`);
          }
        expect(cells).toEqual(wanted);
      });
    }

    it("endpoint: a project whose endpoint allowance is used up refuses it in one sentence, and it stays where it was", async () => {
      if (!db.ready()) return;
      const boss = await as("mv-maker");
      await createProject(db(), boss, { name: "mv-full", description: "" });
      await db().update(projects).set({ maxEndpoints: 0 }).where(eq(projects.name, "mv-full"));
      const thing = await made("endpoint", null);
      const refusal = await moveToProject(db(), await as("mv-maker"), "mv-full", { kind: "endpoint", id: thing.id }).catch(
        (e: unknown) => e,
      );
      expect(refusal).toBeInstanceOf(ApiError);
      expect(refusal).toMatchObject({ status: 403, code: "project_allowance_exceeded" });
      expect((refusal as ApiError).message).toMatch(/^Project "mv-full" allows 0 serving endpoints and has 0;/);
      expect(await thing.projectNow()).toBeNull();
    });

    for (const kind of KINDS) {
      it(`${kind}: its creator moves it from her personal space into a project she edits in and back`, async () => {
        if (!db.ready()) return;
        await addMember(db(), await as("mv-maker"), "mv-dst", { name: "mv-maker", role: "owner" }).catch(() => undefined);
        const thing = await made(kind, null);
        const creator = await as("mv-maker");
        expect(await moveToProject(db(), creator, "mv-dst", { kind, id: thing.id })).toEqual({ kind, id: thing.id, project: "mv-dst" });
        expect(await thing.projectNow()).toBe(dst.id);
        // A dst owner who is not its creator may take it out again, but only into a project where she edits.
        const other = await as("mv-none-owner");
        expect(await outcome(moveToProject(db(), other, "mv-src", { kind, id: thing.id }))).toBe("404 project_not_found");
        expect(await moveToProject(db(), other, "default", { kind, id: thing.id })).toEqual({ kind, id: thing.id, project: null });
        expect(await thing.projectNow()).toBeNull();
        // Back in its creator's personal space: the one who moved it out no longer sees it.
        expect(await outcome(moveToProject(db(), other, "mv-dst", { kind, id: thing.id }))).toBe(`404 ${kind}_not_found`);
        const audit = await db()
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.action, "project.move"), eq(auditEvents.target, "default")));
        expect(audit.map((a) => a.detail)).toContainEqual({ kind, id: thing.id, from: "mv-dst" });
      });
    }

    it("an experiment's runs follow it: a viewer of the target finds them once it moved, and not after it left", async () => {
      if (!db.ready()) return;
      const creator = await as("mv-maker");
      const { experiment_id } = (await ok(call("POST", "experiments/create", { name: unique("mv-exp-runs") }, creator))) as {
        experiment_id: string;
      };
      const { run } = (await ok(call("POST", "runs/create", { experiment_id }, creator))) as { run: { info: { run_id: string } } };
      const viewer = await as("mv-none-viewer");
      const search = async () =>
        ((await ok(call("POST", "runs/search", { experiment_ids: [experiment_id] }, viewer))) as { runs?: { info: { run_id: string } }[] })
          .runs ?? [];
      expect(await search()).toEqual([]);
      await moveToProject(db(), creator, "mv-dst", { kind: "experiment", id: String(experiment_id) });
      expect((await search()).map((r) => r.info.run_id)).toEqual([run.info.run_id]);
      expect((await call("GET", "runs/get", { run_id: run.info.run_id }, viewer)).status).toBe(200);
      await moveToProject(db(), creator, "default", { kind: "experiment", id: String(experiment_id) });
      expect((await call("GET", "runs/get", { run_id: run.info.run_id }, viewer)).status).toBe(404);
    });

    it("refuses what cannot move in one sentence: the Default experiment, an id that names nothing", async () => {
      if (!db.ready()) return;
      const admin = { ...(await as("mv-maker")), admin: true };
      await call("POST", "runs/create", { experiment_id: "0" }, admin);
      expect(await outcome(moveToProject(db(), admin, "mv-dst", { kind: "experiment", id: "0" }))).toBe("400 not_movable");
      expect(await outcome(moveToProject(db(), admin, "mv-dst", { kind: "experiment", id: "99999999" }))).toBe("404 experiment_not_found");
      expect(await outcome(moveToProject(db(), admin, "mv-dst", { kind: "experiment", id: "x1" }))).toBe("404 experiment_not_found");
      expect(await outcome(moveToProject(db(), admin, "mv-dst", { kind: "job", id: "nope" }))).toBe("404 job_not_found");
    });
  });
}
