import type { Db } from "@/db/client";
import {
  deleteEnvironment,
  insertEnvironment,
  listEnvironments,
  updateEnvironment,
  type EnvironmentInput,
  type EnvironmentRow,
} from "@/db/queries/environments";
import { listServersIn } from "@/db/queries/servers";
import { seedEnvironments } from "@/db/seed";
import { can, environmentResource } from "@/lib/auth/access";
import type { Principal } from "@/lib/auth/principal";
import { recordAudit } from "@/lib/audit/record";
import { conflict, notFound } from "@/lib/http/api-error";
import type { Spawner } from "@/lib/spawner";

function environmentView(e: EnvironmentRow, available: boolean, principal?: Principal) {
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    image: e.image,
    command: e.command,
    defaultCpu: e.defaultCpu,
    defaultMemGb: e.defaultMemGb,
    maxCpu: e.maxCpu,
    maxMemGb: e.maxMemGb,
    rolesAllowed: e.rolesAllowed,
    deprecated: e.deprecated,
    constraints: e.constraints,
    /** The image is on the engine, so a start won't fail for want of it. */
    available,
    /** The caller's role may start it. */
    allowed: !principal || can(principal, "use", environmentResource(e)),
    /** Made by the portal at start-up (db/seed.ts): it cannot be deleted, as the next start would make it again. */
    seeded: isSeeded(e.id),
  };
}

const isSeeded = (id: string) => seedEnvironments.some((s) => s.id === id);
export type EnvironmentView = ReturnType<typeof environmentView>;

/** Whether the engine has the image; an engine that cannot be asked counts as not having it. */
export function imagePresent(spawner: Spawner, image: string): Promise<boolean> {
  return spawner
    .imageInfo(image)
    .then((i) => i.present)
    .catch(() => false);
}

/** One environment as the admin API answers it after a change, with whether its image is present. */
export async function environmentWithAvailability(spawner: Spawner, e: EnvironmentRow): Promise<EnvironmentView> {
  return environmentView(e, await imagePresent(spawner, e.image));
}

/** Every environment, with whether its image is present; an unreachable engine makes none available. */
export async function listEnvironmentsWithAvailability(db: Db, spawner: Spawner, principal: Principal): Promise<EnvironmentView[]> {
  const envs = await listEnvironments(db);
  const images = new Map<string, boolean>();
  await Promise.all([...new Set(envs.map((e) => e.image))].map(async (image) => images.set(image, await imagePresent(spawner, image))));
  return envs.map((e) => environmentView(e, images.get(e.image) ?? false, principal));
}

/**
 * The environments a form offers the person (a job's): allowed for her role and not deprecated, by id and
 * name. The engine is not asked: whether the image is there is said when something starts.
 */
export async function environmentChoices(db: Db, principal: Principal): Promise<Array<{ id: string; name: string }>> {
  return (await listEnvironments(db))
    .map((e) => environmentView(e, true, principal))
    .filter((e) => e.allowed && !e.deprecated)
    .map(({ id, name }) => ({ id, name }));
}

/** What the person may start now: allowed for their role and not deprecated, with whether the image is here. */
export async function startableEnvironments(db: Db, spawner: Spawner, principal: Principal): Promise<EnvironmentView[]> {
  return (await listEnvironmentsWithAvailability(db, spawner, principal)).filter((e) => e.allowed && !e.deprecated);
}

export async function createEnvironment(db: Db, actor: Principal, input: EnvironmentInput): Promise<EnvironmentRow> {
  return db.transaction(async (tx) => {
    const row = await insertEnvironment(tx, input);
    if (!row) throw conflict("environment_exists", `An environment with the id "${input.id}" already exists.`);
    await recordAudit(tx, { actor: actor.name, action: "environment.create", target: input.id, detail: { image: input.image } });
    return row;
  });
}

export async function changeEnvironment(
  db: Db,
  actor: Principal,
  id: string,
  input: Omit<EnvironmentInput, "id">,
): Promise<EnvironmentRow> {
  return db.transaction(async (tx) => {
    const row = await updateEnvironment(tx, id, input);
    if (!row) throw notFound("environment_not_found", `There is no environment "${id}".`);
    const detail = { image: row.image, deprecated: row.deprecated };
    await recordAudit(tx, { actor: actor.name, action: "environment.update", target: id, detail });
    return row;
  });
}

/** Refused while servers use it: deprecate it instead, so nobody new picks it. */
export async function removeEnvironment(db: Db, actor: Principal, id: string): Promise<void> {
  if (isSeeded(id)) {
    throw conflict(
      "environment_seeded",
      `"${id}" is the environment the portal makes at start-up and would make again; deprecate it instead, so nobody new picks it.`,
    );
  }
  await db.transaction(async (tx) => {
    const inUse = (await listServersIn(tx, ["pending", "running", "stopping"])).filter((s) => s.environmentId === id);
    if (inUse.length > 0)
      throw conflict(
        "environment_in_use",
        `${inUse.length} running server(s) use "${id}"; mark it deprecated instead, or stop them first.`,
      );
    if (!(await deleteEnvironment(tx, id))) throw notFound("environment_not_found", `There is no environment "${id}".`);
    await recordAudit(tx, { actor: actor.name, action: "environment.delete", target: id });
  });
}
