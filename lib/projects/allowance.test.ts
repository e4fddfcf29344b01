/**
 * Project allowances and things started in a project (docs/projects.md, "Servers, jobs and endpoints in a
 * project"), on both databases: what a project holds is what was started in it, whoever started it; a start
 * that does not fit is refused in one sentence naming the project and the limit and changes nothing; the
 * project's row lock makes two members racing for its last CPU count one at a time; each create needs its role.
 * Server starts ask the real engine only whether it answers (their image does not exist, so the winner fails).
 */
import { and, eq } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { findEnvironment, insertEnvironment } from "@/db/queries/environments";
import { insertExecution } from "@/db/queries/jobs";
import { findProject } from "@/db/queries/projects";
import { membershipsOf } from "@/db/queries/resource-permissions";
import { findServer, upsertServer } from "@/db/queries/servers";
import { findUser, insertUser, type UserRow } from "@/db/queries/users";
import { apiTokens, auditEvents, experiments, jobExecutions, jobs, projects, servers, servingEndpoints } from "@/db/schema";
import { serverRowFixture } from "@/db/server-fixture";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import type { Principal } from "@/lib/auth/principal";
import { ApiError } from "@/lib/http/api-error";
import { parseWith } from "@/lib/http/parse";
import { createJob } from "@/lib/jobs/manage";
import { quotaVerdict } from "@/lib/jobs/quota";
import { runJobNow } from "@/lib/jobs/run";
import { createJobSchema } from "@/lib/jobs/schemas";
import { createEndpoint } from "@/lib/serving/endpoints";
import { createEndpointSchema } from "@/lib/serving/schemas";
import { churnConfig, seedServing } from "@/lib/serving/testing";
import { DockerSpawner } from "@/lib/spawner";
import { startServer } from "@/lib/workspaces/start";
import { addMember, createProject, getProject, setProjectAllowance } from "./manage";

const spawner = new DockerSpawner();
/** An environment whose image is on no engine: a start that wins the race fails at once, without a container. */
const NOWHERE = "nowhere";

async function refusalOf(p: Promise<unknown>): Promise<{ status: number; code: string; message: string; error_code?: string }> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApiError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return { status: err.status, code: err.code, message: err.message, ...err.extra };
}

for (const kind of DB_KINDS) {
  describe(`project allowances (${kind})`, () => {
    const db = useTestDatabase(kind);
    /** alice owns "vision", bob is an editor, carol a user, pat a viewer; dora is in no project. */
    const who: Record<string, Principal> = {};
    let projectId: string;

    /** The principal as resolvePrincipal builds it, with the project roles read now. */
    async function principal(name: string): Promise<Principal> {
      const user = (await findUser(db(), name)) as UserRow;
      const projectRoles = (await membershipsOf(db(), user.id, user.ssoGroups)).projectRoles;
      return { name, userId: user.id, role: user.role, admin: user.role === "admin", via: "session", projectRoles };
    }

    beforeEach(async () => {
      for (const table of [jobExecutions, jobs, servers, projects, experiments]) await db().delete(table);
      await seedServing(db());
      await insertUser(db(), { name: "dora", role: "user", roleSource: "default" });
      if (!(await findEnvironment(db(), NOWHERE))) {
        await insertEnvironment(db(), {
          id: NOWHERE,
          name: "Nowhere",
          description: "an image no engine has",
          image: "atrium-no-such-image-allowance:1",
          command: null,
          defaultCpu: 0.5,
          defaultMemGb: 0.5,
          maxCpu: null,
          maxMemGb: null,
          rolesAllowed: [],
          deprecated: false,
        });
      }
      await createProject(db(), await principal("alice"), { name: "vision", description: "" });
      const alice = await principal("alice");
      await addMember(db(), alice, "vision", { name: "bob", role: "editor" });
      await addMember(db(), alice, "vision", { name: "carol", role: "user" });
      await addMember(db(), alice, "vision", { name: "pat", role: "viewer" });
      for (const name of ["alice", "bob", "carol", "pat", "dora", "root"]) who[name] = await principal(name);
      projectId = (await findProject(db(), "vision"))?.id ?? "";
      await setProjectAllowance(db(), who.root!, "vision", { cpu: 2, memGb: 8, endpoints: 1 });
    });

    const serverIn = async (user: string, name: string, over: Record<string, unknown>) =>
      upsertServer(db(), await serverRowFixture(db(), user, name, { projectId, ...over }));
    const jobIn = async (owner: string, name: string, cpu: number) => {
      const row = (await findUser(db(), owner)) as UserRow;
      const [job] = await db()
        .insert(jobs)
        .values({
          id: `job_${name}`,
          ownerName: owner,
          ownerId: row.id,
          name,
          path: "j.py",
          environmentId: "python",
          cpu,
          memGb: 0.5,
          timeoutS: 60,
          trigger: "manual",
          projectId,
        })
        .returning();
      return job!;
    };

    it("counts what was started in the project, whoever started it, and nothing else; members see the allowance beside it", async () => {
      await createEndpoint(
        db(),
        who.alice!,
        parseWith(createEndpointSchema, { name: "churn-api", config: churnConfig(), project: "vision" }),
      );
      await serverIn("alice", "a1", { cpu: 1, memGb: 2, status: "running" });
      await serverIn("bob", "b1", { cpu: 0.5, memGb: 1, status: "pending" });
      await serverIn("bob", "old", { cpu: 4, memGb: 4, status: "stopped" });
      await serverIn("alice", "mine", { cpu: 1, memGb: 1, status: "running", projectId: null });
      const job = await jobIn("bob", "etl", 0.25);
      const exec = { jobId: job.id, cause: "manual" as const, scheduledFor: new Date(), cpu: 0.25, memGb: 0.5 };
      await insertExecution(db(), { ...exec, id: "jex_run", runKey: "k1", state: "running" });
      await insertExecution(db(), { ...exec, id: "jex_wait", runKey: "k2", state: "queued" });

      // A Small replica (0.5 CPU, 1 GiB) × its max replicas (1) counts like a server.
      const detail = await getProject(db(), who.pat!, "vision");
      expect(detail.allowance).toEqual({ cpu: 2, memGb: 8, endpoints: 1, storageGb: null });
      expect(detail.inUse).toEqual({ cpu: 2.25, memGb: 4.5, servers: 2, jobs: 1, endpoints: 1, storageBytes: 0 });
      const audit = await db().select().from(auditEvents).where(eq(auditEvents.action, "project.allowance"));
      expect(audit.map((a) => [a.actor, a.target])).toEqual([["root", "vision"]]);
      // Only admins set it.
      await expect(setProjectAllowance(db(), who.root!, "nope", { cpu: 1, memGb: null, endpoints: null })).rejects.toMatchObject({
        status: 404,
        code: "project_not_found",
      });
    });

    it("refuses a server over the project's allowance in one sentence naming the project and the limit, and changes nothing", async () => {
      await serverIn("alice", "a1", { cpu: 1.5, memGb: 1, status: "running" });
      const tokensBefore = (await db().select().from(apiTokens)).length;
      expect(
        await refusalOf(
          startServer(db(), spawner, who.carol!, "carol", "s1", { environment: NOWHERE, cpu: 1, memGb: 1, project: "vision" }),
        ),
      ).toEqual({
        status: 403,
        code: "project_allowance_exceeded",
        message: 'Project "vision" allows 2 CPUs in all; its servers, jobs and endpoints hold 1.5 and this server asks for 1 more.',
      });
      expect(await findServer(db(), "carol", "s1")).toBeUndefined();
      expect((await db().select().from(apiTokens)).length).toBe(tokensBefore);
      // Memory too, with its own sentence.
      await setProjectAllowance(db(), who.root!, "vision", { cpu: null, memGb: 2, endpoints: null });
      expect(
        (
          await refusalOf(
            startServer(db(), spawner, who.carol!, "carol", "s1", { environment: NOWHERE, cpu: 1, memGb: 1.5, project: "vision" }),
          )
        ).message,
      ).toBe(
        'Project "vision" allows 2 GiB of memory in all; its servers, jobs and endpoints hold 1 GiB and this server asks for 1.5 GiB more.',
      );
    });

    it("lets users and up start servers there, not viewers; a project she is not in does not exist for her", async () => {
      await setProjectAllowance(db(), who.root!, "vision", { cpu: null, memGb: null, endpoints: null });
      expect(
        await refusalOf(
          startServer(db(), spawner, who.pat!, "pat", "s1", { environment: NOWHERE, cpu: 0.5, memGb: 0.5, project: "vision" }),
        ),
      ).toEqual({
        status: 403,
        code: "permission_denied",
        message: `Only its project's users, editors and owners or an admin may start a server in project "vision".`,
      });
      expect(
        await refusalOf(
          startServer(db(), spawner, who.dora!, "dora", "s1", { environment: NOWHERE, cpu: 0.5, memGb: 0.5, project: "vision" }),
        ),
      ).toMatchObject({
        status: 404,
        code: "project_not_found",
      });
      const view = await startServer(db(), spawner, who.carol!, "carol", "s1", {
        environment: NOWHERE,
        cpu: 0.5,
        memGb: 0.5,
        project: "vision",
      });
      expect(view.status).toBe("pending");
      expect((await findServer(db(), "carol", "s1"))?.projectId).toBe(projectId);
      await settled("carol", "s1");
    });

    /** Waits for a start of the missing image to end (failed), so nothing runs on when the database closes. */
    async function settled(user: string, server: string): Promise<void> {
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        const row = await findServer(db(), user, server);
        if (row && row.status !== "pending") return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${user}/${server} did not settle`);
    }

    it("two members racing for the project's last CPU: one starts, the other is refused", async () => {
      await serverIn("alice", "a1", { cpu: 1, memGb: 1, status: "running" });
      const results = await Promise.allSettled([
        startServer(db(), spawner, who.bob!, "bob", "race", { environment: NOWHERE, cpu: 1, memGb: 1, project: "vision" }),
        startServer(db(), spawner, who.carol!, "carol", "race", { environment: NOWHERE, cpu: 1, memGb: 1, project: "vision" }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]?.reason).toMatchObject({ status: 403, code: "project_allowance_exceeded" });
      expect((lost[0]?.reason as Error).message).toContain("hold 2 and this server asks for 1 more");
      const rows = await db()
        .select()
        .from(servers)
        .where(and(eq(servers.name, "race")));
      expect(rows).toHaveLength(1);
      await settled(rows[0]!.userName, "race");
    });

    it("creating a job there needs an editor; a user runs it; a job over the allowance is refused, one beside others waits", async () => {
      const ask = (over: Record<string, unknown> = {}) =>
        parseWith(createJobSchema, {
          name: "train",
          path: "train.py",
          environment: "python",
          cpu: 1,
          memGb: 1,
          timeoutS: 60,
          trigger: { kind: "manual" },
          project: "vision",
          ...over,
        });
      expect(await refusalOf(createJob(db(), who.carol!, ask()))).toEqual({
        status: 403,
        code: "permission_denied",
        message: `Only its project's editors and owners or an admin may create a job in project "vision".`,
      });
      expect(await refusalOf(createJob(db(), who.dora!, ask()))).toMatchObject({ status: 404, code: "project_not_found" });
      await setProjectAllowance(db(), who.root!, "vision", { cpu: 2, memGb: 3, endpoints: 1 });
      expect(await refusalOf(createJob(db(), who.bob!, ask({ memGb: 3.5 })))).toEqual({
        status: 403,
        code: "project_allowance_exceeded",
        message:
          'Project "vision" allows 3 GiB of memory in all; its servers, jobs and endpoints hold 0 GiB and this job asks for 3.5 GiB more.',
      });
      const job = await createJob(db(), who.bob!, ask());
      const row = (await db().select().from(jobs).where(eq(jobs.id, job.id)))[0]!;
      expect(row.projectId).toBe(projectId);
      // Its experiment is claimed in the project, owned by its owner.
      const [exp] = await db().select().from(experiments).where(eq(experiments.name, "jobs/bob/train"));
      expect(exp).toMatchObject({ projectId, ownerId: who.bob!.userId });

      await serverIn("alice", "a1", { cpu: 1.5, memGb: 1, status: "running" });
      const queued = await runJobNow(db(), who.carol!, job.id);
      expect(queued.reason ?? "").toBe(
        `waiting for its project's allowance: Project "vision" allows 2 CPUs in all; its servers, jobs and endpoints hold 1.5 and this job asks for 1 more`,
      );
      const bob = (await findUser(db(), "bob")) as UserRow;
      expect(await quotaVerdict(db(), bob, { cpu: 0.5, memGb: 1, projectId })).toMatchObject({ fits: true, project: { name: "vision" } });
    });

    it("creating an endpoint there needs an editor; the project's endpoint count and CPUs bound it (body or X-MLFLOW-WORKSPACE)", async () => {
      const make = (caller: Principal, name: string, project?: string, workspace?: string) =>
        createEndpoint(
          db(),
          caller,
          parseWith(createEndpointSchema, { name, config: churnConfig(), ...(project ? { project } : {}) }),
          workspace,
        );
      // The route answers these in MLflow's shape (PERMISSION_DENIED, RESOURCE_DOES_NOT_EXIST) by their status.
      expect(await refusalOf(make(who.carol!, "e0", "vision"))).toEqual({
        status: 403,
        code: "permission_denied",
        message: `Only its project's editors and owners or an admin may create a serving endpoint in project "vision".`,
      });
      expect(await refusalOf(make(who.dora!, "e0", undefined, "vision"))).toMatchObject({ status: 404, code: "project_not_found" });
      await make(who.alice!, "e1", undefined, "vision");
      expect((await db().select().from(servingEndpoints).where(eq(servingEndpoints.name, "e1")))[0]?.projectId).toBe(projectId);
      expect(await refusalOf(make(who.bob!, "e2", "vision"))).toEqual({
        status: 403,
        code: "resource_exhausted",
        error_code: "RESOURCE_EXHAUSTED",
        message: 'Project "vision" allows 1 serving endpoint and has 1; delete one first or ask an admin to raise its allowance.',
      });
      await setProjectAllowance(db(), who.root!, "vision", { cpu: 2, memGb: null, endpoints: null });
      await serverIn("carol", "c1", { cpu: 1.25, memGb: 1, status: "running" });
      expect((await refusalOf(make(who.bob!, "e2", "vision"))).message).toBe(
        `Project "vision" allows 2 CPUs in all; its servers, jobs and endpoints hold 1.75 and this endpoint's config asks for 0.5 more.`,
      );
      // In the personal space the project's allowance does not apply.
      await make(who.bob!, "e2");
      expect((await db().select().from(servingEndpoints).where(eq(servingEndpoints.name, "e2")))[0]?.projectId).toBeNull();
    });
  });
}
