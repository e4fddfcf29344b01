/** Fixtures for the serving tests: people, a registered model with versions and an alias, and callers. */
import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { promoteConfig } from "@/db/queries/serving-replicas";
import { insertToken } from "@/db/queries/tokens";
import { insertUser } from "@/db/queries/users";
import {
  apiTokens,
  auditEvents,
  environments,
  events,
  modelVersions,
  registeredModelAliases,
  registeredModels,
  servingEndpoints,
  servingRequestLog,
  users,
} from "@/db/schema";
import type { Principal } from "@/lib/auth/principal";
import { tokenGrant, type ScopeName } from "@/lib/auth/scopes";
import { generateToken, hashToken } from "@/lib/auth/tokens";

export const PEOPLE = { alice: "user", bob: "user", carol: "user", root: "admin", pat: "power" } as const;
export type Person = keyof typeof PEOPLE;

/** Empties what the serving tests write and makes the people, models and environments they use. */
export async function seedServing(db: Db): Promise<Record<Person, Principal>> {
  await db.delete(servingEndpoints);
  await db.delete(servingRequestLog);
  await db.delete(events);
  await db.delete(auditEvents);
  await db.delete(registeredModels);
  await db.delete(apiTokens);
  await db.delete(users);
  const made = {} as Record<Person, Principal>;
  for (const [name, role] of Object.entries(PEOPLE) as [Person, string][]) {
    const row = await insertUser(db, { name, role, roleSource: "default" });
    if (!row) throw new Error(`could not insert ${name}`);
    made[name] = { name, userId: row.id, role, admin: role === "admin", via: "session" };
  }
  const now = Date.now();
  const model = (name: string, owner: Principal) => ({
    name,
    userId: owner.name,
    ownerId: owner.userId ?? null,
    creationTime: now,
    lastUpdatedTime: now,
  });
  await db.insert(registeredModels).values([model("churn", made.alice), model("fraud", made.bob)]);
  const version = (name: string, v: number, status: "READY" | "PENDING_REGISTRATION" = "READY") => ({
    name,
    version: v,
    creationTime: now,
    lastUpdatedTime: now,
    userId: "alice",
    source: `mlflow-artifacts:/1/r${v}/artifacts/model`,
    status,
  });
  await db
    .insert(modelVersions)
    .values([version("churn", 1), version("churn", 2), version("churn", 3, "PENDING_REGISTRATION"), version("fraud", 1)]);
  await db.insert(registeredModelAliases).values({ name: "churn", alias: "champion", version: 2 });
  const env = (id: string, extra: Partial<typeof environments.$inferInsert>) => ({
    id,
    name: id,
    image: "atrium-jupyterlab:1",
    defaultCpu: 0.5,
    defaultMemGb: 1,
    ...extra,
  });
  await db
    .insert(environments)
    .values([env("power-only", { rolesAllowed: ["power"] }), env("tiny", { maxCpu: 0.25 })])
    .onConflictDoNothing();
  return made;
}

/** A real API token of `owner` with these scopes, and the principal it resolves to (lib/auth/principal.ts). */
export async function tokenOf(db: Db, owner: Principal, id: string, scopes: ScopeName[]): Promise<{ token: string; principal: Principal }> {
  const token = generateToken();
  await insertToken(db, {
    id,
    userName: owner.name,
    ownerId: owner.userId ?? "",
    hash: hashToken(token),
    kind: "personal",
    note: null,
    scopes,
    expiresAt: null,
  });
  return { token, principal: { ...owner, via: "token", ...tokenGrant({ id, kind: "personal", scopes }, owner.admin) } };
}

/** The smallest config: one version of churn, Databricks' defaults. */
export const churnConfig = (extra: Record<string, unknown> = {}) => ({
  served_entities: [{ entity_name: "churn", entity_version: "2", workload_size: "Small", scale_to_zero_enabled: false, ...extra }],
});

/** Ends an endpoint's rollout as failed, as the reconciler does when its replicas never answer, so a change is taken again. */
export async function failRollout(db: Db, name: string): Promise<void> {
  await db.update(servingEndpoints).set({ configUpdate: "UPDATE_FAILED" }).where(eq(servingEndpoints.name, name));
}

/** Makes an endpoint's pending config the active one, as the reconciler does once its replicas answer (reconcile.ts). */
export async function finishRollout(db: Db, name: string): Promise<void> {
  const [e] = await db.select().from(servingEndpoints).where(eq(servingEndpoints.name, name));
  if (e?.pendingConfigId) await promoteConfig(db, e.id, e.pendingConfigId);
}
