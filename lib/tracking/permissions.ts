/**
 * MLflow's per-resource permission endpoints, as its auth app answers them (mlflow/mlflow's
 * mlflow/server/auth/__init__.py handlers, mlflow/server/auth/routes.py paths, mlflow/server/auth/entities.py
 * ExperimentPermission and RegisteredModelPermission): `experiments/permissions/{create,get,update,delete}` and
 * `registered-models/permissions/{create,get,update,delete}`, each for one resource and one person by user name.
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
  type GrantTarget,
} from "@/db/queries/resource-permissions";
import type { ExperimentRow } from "@/db/queries/tracking";
import type { RegisteredModelRow } from "@/db/queries/registry";
import { findUser, type UserRow } from "@/db/queries/users";
import type { GrantPermission } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record";
import type { Body, TrackingContext } from "./context";
import { doesNotExist, TrackingError } from "./errors";
import type { Input, permissions } from "./http/schemas";

/** People granted one experiment or registered model; past it, a project (or a group member) is the way. */
export const MAX_GRANTS_PER_RESOURCE = 100;
/** Grants one person holds: the principal reads them all on every request. */
export const MAX_GRANTS_PER_PERSON = 1000;

/** One resource as the grant endpoints name it in answers, errors and the audit log. */
interface Granted {
  target: GrantTarget;
  /** "Experiment", "Registered model": how MLflow's errors begin. */
  label: string;
  /** `experiment_id=5`, `name=m`: how MLflow's errors name it. */
  key: string;
  /** The answer's field and its entity (ExperimentPermission / RegisteredModelPermission `to_json`). */
  field: "experiment_permission" | "registered_model_permission";
  entity: (userId: string, permission: GrantPermission) => Body;
  /** The audit log's target: "experiment 5", "registered model m". */
  audited: string;
}

const experimentGranted = (e: ExperimentRow): Granted => ({
  target: { kind: "experiment", id: e.id },
  label: "Experiment",
  key: `experiment_id=${e.id}`,
  field: "experiment_permission",
  entity: (userId, permission) => ({ experiment_id: String(e.id), user_id: userId, permission }),
  audited: `experiment ${e.id}`,
});
const modelGranted = (m: RegisteredModelRow): Granted => ({
  target: { kind: "registered_model", name: m.name },
  label: "Registered model",
  key: `name=${m.name}`,
  field: "registered_model_permission",
  entity: (userId, permission) => ({ name: m.name, user_id: userId, permission }),
  audited: `registered model ${m.name}`,
});

async function granteeOf(ctx: TrackingContext, username: string): Promise<UserRow> {
  const user = await findUser(ctx.db, username);
  if (!user) throw doesNotExist(`User with username=${username} not found`);
  return user;
}

const notFound = (g: Granted, username: string) => doesNotExist(`${g.label} permission with ${g.key} and username=${username} not found`);

async function create(ctx: TrackingContext, g: Granted, username: string, permission: GrantPermission): Promise<Body> {
  const user = await granteeOf(ctx, username);
  if ((await countGrantsOn(ctx.db, g.target)) >= MAX_GRANTS_PER_RESOURCE) {
    throw new TrackingError(
      "BAD_REQUEST",
      `${g.label} ${g.key.split("=")[1]} already has ${MAX_GRANTS_PER_RESOURCE} permissions, the most it may have: delete one, or add the people to a project instead.`,
    );
  }
  if ((await countGrantsTo(ctx.db, user.id)) >= MAX_GRANTS_PER_PERSON) {
    throw new TrackingError(
      "BAD_REQUEST",
      `${username} already holds ${MAX_GRANTS_PER_PERSON} permissions, the most one person may: add her to a project instead.`,
    );
  }
  const row = await insertGrant(ctx.db, g.target, { userId: user.id, permission, grantedBy: ctx.principal.userId ?? null });
  if (!row) throw new TrackingError("RESOURCE_ALREADY_EXISTS", `${g.label} permission (${g.key}, username=${username}) already exists.`);
  await recordAudit(ctx.db, {
    actor: ctx.principal.name,
    action: "permission.grant",
    target: g.audited,
    detail: { user: username, permission },
  });
  return { [g.field]: g.entity(user.id, permission) };
}

async function get(ctx: TrackingContext, g: Granted, username: string): Promise<Body> {
  const user = await granteeOf(ctx, username);
  const row = await findGrant(ctx.db, g.target, user.id);
  if (!row) throw notFound(g, username);
  return { [g.field]: g.entity(user.id, row.permission) };
}

async function update(ctx: TrackingContext, g: Granted, username: string, permission: GrantPermission): Promise<Body> {
  const user = await granteeOf(ctx, username);
  if (!(await updateGrant(ctx.db, g.target, user.id, permission))) throw notFound(g, username);
  await recordAudit(ctx.db, {
    actor: ctx.principal.name,
    action: "permission.update",
    target: g.audited,
    detail: { user: username, permission },
  });
  return {};
}

async function remove(ctx: TrackingContext, g: Granted, username: string): Promise<Body> {
  const user = await granteeOf(ctx, username);
  if (!(await deleteGrant(ctx.db, g.target, user.id))) throw notFound(g, username);
  await recordAudit(ctx.db, { actor: ctx.principal.name, action: "permission.revoke", target: g.audited, detail: { user: username } });
  return {};
}

type ExperimentIn = Input<typeof permissions.experiment>;
type ExperimentLevelIn = Input<typeof permissions.experimentLevel>;
type ModelIn = Input<typeof permissions.model>;
type ModelLevelIn = Input<typeof permissions.modelLevel>;
const level = (p: string) => p as GrantPermission;

export const createExperimentPermission = (ctx: TrackingContext, i: ExperimentLevelIn, e: ExperimentRow) =>
  create(ctx, experimentGranted(e), i.username, level(i.permission));
export const getExperimentPermission = (ctx: TrackingContext, i: ExperimentIn, e: ExperimentRow) =>
  get(ctx, experimentGranted(e), i.username);
export const updateExperimentPermission = (ctx: TrackingContext, i: ExperimentLevelIn, e: ExperimentRow) =>
  update(ctx, experimentGranted(e), i.username, level(i.permission));
export const deleteExperimentPermission = (ctx: TrackingContext, i: ExperimentIn, e: ExperimentRow) =>
  remove(ctx, experimentGranted(e), i.username);

export const createRegisteredModelPermission = (ctx: TrackingContext, i: ModelLevelIn, m: RegisteredModelRow) =>
  create(ctx, modelGranted(m), i.username, level(i.permission));
export const getRegisteredModelPermission = (ctx: TrackingContext, i: ModelIn, m: RegisteredModelRow) =>
  get(ctx, modelGranted(m), i.username);
export const updateRegisteredModelPermission = (ctx: TrackingContext, i: ModelLevelIn, m: RegisteredModelRow) =>
  update(ctx, modelGranted(m), i.username, level(i.permission));
export const deleteRegisteredModelPermission = (ctx: TrackingContext, i: ModelIn, m: RegisteredModelRow) =>
  remove(ctx, modelGranted(m), i.username);
