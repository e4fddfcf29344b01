/**
 * Moving an experiment, a registered model, a job or a serving endpoint into a project, between projects, or back
 * to its creator's personal space (docs/projects.md, "Moving things"). One function for every kind: the caller
 * needs MANAGE on the thing where it lives now (lib/auth/access.ts: its creator, its project's owners, a MANAGE
 * grantee, an admin) and EDIT in the target project (editors and owners), the same right as creating there. Only
 * `project_id` changes: runs, traces and logged models live where their experiment lives, versions and aliases
 * where their model lives, an endpoint's request log is keyed by its name, so they all follow without a write.
 * Names stay: experiment, model and endpoint names are unique in the whole portal and a job's per owner, who does
 * not change, so a move never collides with a name in the target.
 */
import type { Db } from "@/db/client";
import { setProjectOf, type MovedRow } from "@/db/queries/project-moves";
import { findProjectById } from "@/db/queries/projects";
import { findRegisteredModel } from "@/db/queries/registry";
import { findConfigs, findEndpoint } from "@/db/queries/serving";
import { findExperiment } from "@/db/queries/tracking";
import { findJob } from "@/db/queries/jobs";
import {
  DEFAULT_EXPERIMENT_ID,
  endpointResource,
  experimentResource,
  jobResource,
  refusalOf,
  registeredModelResource,
  type Caller,
  type Resource,
} from "@/lib/auth/access";
import { recordAudit } from "@/lib/audit/record";
import { badRequest, conflict, forbidden, notFound, refused } from "@/lib/http/api-error";
import { holdOf } from "@/lib/serving/allowance";
import { judgeInProject } from "./allowance";
import { projectToCreateIn } from "./manage";
import { PERSONAL_WORKSPACE, type MoveRequest } from "./schemas";

export type MovableKind = MoveRequest["kind"];

export interface MoveView {
  kind: MovableKind;
  id: string;
  /** The project it is in now; null: its creator's personal space. */
  project: string | null;
}

/** The thing as the rule judges it, with where it lives now; undefined when there is none by that key. */
async function movable(
  db: Db,
  kind: MovableKind,
  id: string,
): Promise<{ row: MovedRow; resource: Resource; projectId: string | null } | undefined> {
  switch (kind) {
    case "experiment": {
      const n = /^\d{1,18}$/.test(id) ? Number(id) : NaN;
      const e = Number.isSafeInteger(n) ? await findExperiment(db, n) : undefined;
      if (!e) return undefined;
      if (e.id === DEFAULT_EXPERIMENT_ID)
        throw badRequest("not_movable", "The Default experiment takes everyone's runs; it stays where it is.");
      return { row: { kind, id: e.id }, resource: experimentResource(e), projectId: e.projectId };
    }
    case "registered_model": {
      const m = await findRegisteredModel(db, id);
      return m && { row: { kind, name: m.name }, resource: registeredModelResource(m), projectId: m.projectId };
    }
    case "job": {
      const j = await findJob(db, id);
      return j && { row: { kind, id: j.id }, resource: jobResource(j), projectId: j.projectId };
    }
    case "endpoint": {
      const e = await findEndpoint(db, id);
      return e && { row: { kind, name: e.name }, resource: endpointResource(e), projectId: e.projectId };
    }
  }
}

const WHAT: Readonly<Record<MovableKind, string>> = {
  experiment: "experiment",
  registered_model: "registered model",
  job: "job",
  endpoint: "endpoint",
};

/**
 * Moves the thing into `target` (a project's name, or "default": its creator's personal space), audited as
 * `project.move`. One the caller may not read is a 404, as if there were none.
 */
export async function moveToProject(db: Db, caller: Caller & { name: string }, target: string, ask: MoveRequest): Promise<MoveView> {
  const what = `${WHAT[ask.kind]} ${ask.id}`;
  return db.transaction(async (tx) => {
    const found = await movable(tx, ask.kind, ask.id);
    const missing = notFound(`${ask.kind}_not_found`, `There is no ${what}.`);
    if (!found) throw missing;
    const refusal = refusalOf(caller, "manage", found.resource, `move ${what} (it needs MANAGE on it)`);
    if (refusal) throw refusal.status === 404 ? missing : refused(refusal);
    const to = await projectToCreateIn(tx, caller, target, "write", `move ${what}`);
    const toId = to?.id ?? null;
    const from = found.projectId === null ? null : ((await findProjectById(tx, found.projectId))?.name ?? null);
    if (found.projectId !== toId) {
      if (ask.kind === "endpoint" && toId !== null) await assertEndpointFits(tx, ask.id, toId);
      if (!(await setProjectOf(tx, found.row, found.projectId, toId))) {
        throw conflict("moved_meanwhile", `The ${what} was moved or deleted meanwhile; look at it again and retry.`);
      }
      await recordAudit(tx, {
        actor: caller.name,
        action: "project.move",
        target: to?.name ?? PERSONAL_WORKSPACE,
        detail: { kind: ask.kind, id: ask.id, from: from ?? PERSONAL_WORKSPACE },
      });
    }
    return { kind: ask.kind, id: ask.id, project: to?.name ?? null };
  });
}

/**
 * An endpoint moved into a project joins what the project's allowance counts (docs/projects.md, "Allowances"), as
 * if it were created there with the config it holds now; the project's row stays locked until the move commits.
 */
async function assertEndpointFits(tx: Db, name: string, projectId: string): Promise<void> {
  const endpoint = await findEndpoint(tx, name);
  const held = endpoint?.pendingConfigId ?? endpoint?.activeConfigId;
  const entities = held ? (await findConfigs(tx, [held])).flatMap((c) => c.servedEntities) : [];
  const verdict = await judgeInProject(tx, projectId, { what: "endpoint", newEndpoint: true, ...holdOf(entities) });
  if (!verdict.fits) throw forbidden("project_allowance_exceeded", verdict.reason);
}

/**
 * What a page's "Move to project…" control needs: where the thing is now (a project's name, null: its creator's
 * personal space), or null when the caller may not move it (no MANAGE on it) or there is none.
 */
export async function moveChoice(db: Db, caller: Caller, kind: MovableKind, id: string): Promise<{ project: string | null } | null> {
  const found = await movable(db, kind, id).catch(() => undefined);
  if (!found || refusalOf(caller, "manage", found.resource) !== null) return null;
  const project = found.projectId === null ? null : ((await findProjectById(db, found.projectId))?.name ?? null);
  return { project };
}
