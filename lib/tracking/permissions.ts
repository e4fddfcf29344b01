/**
 * MLflow's per-resource permission endpoints, as its auth app answers them (mlflow/mlflow's
 * mlflow/server/auth/__init__.py handlers, mlflow/server/auth/routes.py paths, mlflow/server/auth/entities.py
 * ExperimentPermission and RegisteredModelPermission): `experiments/permissions/{create,get,update,delete}` and
 * `registered-models/permissions/{create,get,update,delete}`, each for one resource and one person by user name, or
 * (an Atrium extension: MLflow grants to people only) one SSO group by `group_name`, whose members hold it as long as
 * their latest sign-in's groups claim names it.
 * A grant is one more input to the one access rule (lib/auth/access.ts `levelOf`, read with the principal), never
 * a rule of its own; it only adds: NO_PERMISSIONS takes nothing away that a project role or the default gives.
 * Who may: MANAGE on the resource (operations.ts `managesPermissionsOf`). docs/projects.md, "Grants".
 */
import {
  countGrantsOn,
  countGrantsTo,
  deleteGrant,
  findGrant,
  insertGrant,
  updateGrant,
  type Grantee,
  type GrantTarget,
} from "@/db/queries/resource-permissions";
import type { ExperimentRow } from "@/db/queries/tracking";
import type { RegisteredModelRow } from "@/db/queries/registry";
import { findUser } from "@/db/queries/users";
import type { GrantPermission } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { Body, TrackingContext } from "./context";
import { doesNotExist, invalidParam, TrackingError } from "./errors";
import type { Input, permissions } from "./http/schemas";

/** People and groups granted one experiment or registered model; past it, a project (or a group) is the way. */
export const MAX_GRANTS_PER_RESOURCE = 100;
/** Grants one person, or one group, holds: the principal reads them all (hers and her groups') on every request. */
export const MAX_GRANTS_PER_PERSON = 1000;
/** As long as a project member's group name may be (lib/projects/schemas.ts). */
const MAX_GROUP_NAME_LENGTH = 256;

/** One resource as the grant endpoints name it in answers, errors and the audit log. */
interface Granted {
  target: GrantTarget;
  /** "Experiment", "Registered model": how MLflow's errors begin. */
  label: string;
  /** `experiment_id=5`, `name=m`: how MLflow's errors name it. */
  key: string;
  /** The answer's field and its entity (ExperimentPermission / RegisteredModelPermission `to_json`). */
  field: "experiment_permission" | "registered_model_permission";
  entity: (grantee: Body, permission: GrantPermission) => Body;
  /** The audit log's target: "experiment 5", "registered model m". */
  audited: string;
}

const experimentGranted = (e: ExperimentRow): Granted => ({
  target: { kind: "experiment", id: e.id },
  label: "Experiment",
  key: `experiment_id=${e.id}`,
  field: "experiment_permission",
  entity: (grantee, permission) => ({ experiment_id: String(e.id), ...grantee, permission }),
  audited: `experiment ${e.id}`,
});
const modelGranted = (m: RegisteredModelRow): Granted => ({
  target: { kind: "registered_model", name: m.name },
  label: "Registered model",
  key: `name=${m.name}`,
  field: "registered_model_permission",
  entity: (grantee, permission) => ({ name: m.name, ...grantee, permission }),
  audited: `registered model ${m.name}`,
});

/** Whom a request names, as the table keys it, answers show it (`user_id` or `group_name`), errors and the audit log name it. */
interface Whom {
  grantee: Grantee;
  answer: Body;
  /** `username=x`, `group_name=g`. */
  key: string;
  audit: { user: string } | { group: string };
  /** "x", "group g": how the cap's sentence names it. */
  named: string;
}

/** What a request gives: exactly one of them (the schemas' `oneGrantee`). */
type GranteeIn = { username?: string | undefined; group_name?: string | undefined };

async function whomOf(ctx: TrackingContext, i: GranteeIn): Promise<Whom> {
  if (i.group_name !== undefined) {
    const group = i.group_name;
    if (group.length > MAX_GROUP_NAME_LENGTH) throw invalidParam(`A group name is at most ${MAX_GROUP_NAME_LENGTH} characters.`);
    return { grantee: { group }, answer: { group_name: group }, key: `group_name=${group}`, audit: { group }, named: `group ${group}` };
  }
  const username = i.username ?? "";
  const user = await findUser(ctx.db, username);
  if (!user) throw doesNotExist(`User with username=${username} not found`);
  return {
    grantee: { userId: user.id },
    answer: { user_id: user.id },
    key: `username=${username}`,
    audit: { user: username },
    named: username,
  };
}

const notFound = (g: Granted, w: Whom) => doesNotExist(`${g.label} permission with ${g.key} and ${w.key} not found`);

async function create(ctx: TrackingContext, g: Granted, i: GranteeIn, permission: GrantPermission): Promise<Body> {
  const w = await whomOf(ctx, i);
  if ((await countGrantsOn(ctx.db, g.target)) >= MAX_GRANTS_PER_RESOURCE) {
    throw new TrackingError(
      "BAD_REQUEST",
      `${g.label} ${g.key.split("=")[1]} already has ${MAX_GRANTS_PER_RESOURCE} permissions, the most it may have: delete one, or add the people to a project instead.`,
    );
  }
  if ((await countGrantsTo(ctx.db, w.grantee)) >= MAX_GRANTS_PER_PERSON) {
    throw new TrackingError(
      "BAD_REQUEST",
      `${w.named} already holds ${MAX_GRANTS_PER_PERSON} permissions, the most one person or group may: add ${"group" in w.grantee ? "the group" : "her"} to a project instead.`,
    );
  }
  const row = await insertGrant(ctx.db, g.target, w.grantee, { permission, grantedBy: ctx.principal.userId ?? null });
  if (!row) throw new TrackingError("RESOURCE_ALREADY_EXISTS", `${g.label} permission (${g.key}, ${w.key}) already exists.`);
  await recordAudit(ctx.db, {
    actor: ctx.principal.name,
    action: "permission.grant",
    target: g.audited,
    detail: { ...w.audit, permission },
  });
  return { [g.field]: g.entity(w.answer, permission) };
}

async function get(ctx: TrackingContext, g: Granted, i: GranteeIn): Promise<Body> {
  const w = await whomOf(ctx, i);
  const row = await findGrant(ctx.db, g.target, w.grantee);
  if (!row) throw notFound(g, w);
  return { [g.field]: g.entity(w.answer, row.permission) };
}

async function update(ctx: TrackingContext, g: Granted, i: GranteeIn, permission: GrantPermission): Promise<Body> {
  const w = await whomOf(ctx, i);
  if (!(await updateGrant(ctx.db, g.target, w.grantee, permission))) throw notFound(g, w);
  await recordAudit(ctx.db, {
    actor: ctx.principal.name,
    action: "permission.update",
    target: g.audited,
    detail: { ...w.audit, permission },
  });
  return {};
}

async function remove(ctx: TrackingContext, g: Granted, i: GranteeIn): Promise<Body> {
  const w = await whomOf(ctx, i);
  if (!(await deleteGrant(ctx.db, g.target, w.grantee))) throw notFound(g, w);
  await recordAudit(ctx.db, { actor: ctx.principal.name, action: "permission.revoke", target: g.audited, detail: { ...w.audit } });
  return {};
}

type ExperimentIn = Input<typeof permissions.experiment>;
type ExperimentLevelIn = Input<typeof permissions.experimentLevel>;
type ModelIn = Input<typeof permissions.model>;
type ModelLevelIn = Input<typeof permissions.modelLevel>;
const level = (p: string) => p as GrantPermission;

export const createExperimentPermission = (ctx: TrackingContext, i: ExperimentLevelIn, e: ExperimentRow) =>
  create(ctx, experimentGranted(e), i, level(i.permission));
export const getExperimentPermission = (ctx: TrackingContext, i: ExperimentIn, e: ExperimentRow) => get(ctx, experimentGranted(e), i);
export const updateExperimentPermission = (ctx: TrackingContext, i: ExperimentLevelIn, e: ExperimentRow) =>
  update(ctx, experimentGranted(e), i, level(i.permission));
export const deleteExperimentPermission = (ctx: TrackingContext, i: ExperimentIn, e: ExperimentRow) => remove(ctx, experimentGranted(e), i);

export const createRegisteredModelPermission = (ctx: TrackingContext, i: ModelLevelIn, m: RegisteredModelRow) =>
  create(ctx, modelGranted(m), i, level(i.permission));
export const getRegisteredModelPermission = (ctx: TrackingContext, i: ModelIn, m: RegisteredModelRow) => get(ctx, modelGranted(m), i);
export const updateRegisteredModelPermission = (ctx: TrackingContext, i: ModelLevelIn, m: RegisteredModelRow) =>
  update(ctx, modelGranted(m), i, level(i.permission));
export const deleteRegisteredModelPermission = (ctx: TrackingContext, i: ModelIn, m: RegisteredModelRow) => remove(ctx, modelGranted(m), i);
