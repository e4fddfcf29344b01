/** SQL for the MLflow-compatible model registry; rules, validation and wire shapes live in lib/tracking/registry/ and lib/tracking/http/schemas.ts. */
import { and, asc, desc, eq, inArray, ne, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client";
import { modelVersionTags, modelVersions, registeredModelAliases, registeredModelTags, registeredModels, type ModelStage } from "../schema";
import { KeyValueRows, type KeyValue } from "./key-values";
import type { ReadFilter } from "./readable";

export type RegisteredModelRow = typeof registeredModels.$inferSelect;
export type ModelVersionRow = typeof modelVersions.$inferSelect;
export interface AliasRow {
  alias: string;
  version: number;
}

export const modelTagRows = new KeyValueRows(registeredModelTags);
export const versionTagRows = new KeyValueRows(modelVersionTags);

const DELETED_STAGE: ModelStage = "Deleted_Internal";
const live = ne(modelVersions.currentStage, DELETED_STAGE);

// --- registered models ---------------------------------------------------------------------------

/** Inserts a model and its tags; null when the name is taken. */
export async function insertRegisteredModel(
  db: Db,
  m: {
    name: string;
    description: string | null;
    userId: string;
    ownerId: string | null;
    /** Null: the owner's personal space. */
    projectId?: string | null;
    now: number;
    tags: KeyValue[];
  },
): Promise<RegisteredModelRow | null> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .insert(registeredModels)
      .values({
        name: m.name,
        description: m.description,
        userId: m.userId,
        ownerId: m.ownerId,
        projectId: m.projectId ?? null,
        creationTime: m.now,
        lastUpdatedTime: m.now,
      })
      .onConflictDoNothing()
      .returning();
    const row = rows[0];
    if (!row) return null;
    await modelTagRows.set(tx, { name: m.name }, m.tags);
    return row;
  });
}

export async function findRegisteredModel(db: Db, name: string): Promise<RegisteredModelRow | undefined> {
  const rows = await db.select().from(registeredModels).where(eq(registeredModels.name, name)).limit(1);
  return rows[0];
}

export async function searchRegisteredModelRows(
  db: Db,
  q: { readable: ReadFilter; filter: SQL | undefined; orderBy: SQL[]; limit: number; offset: number },
): Promise<RegisteredModelRow[]> {
  return db
    .select()
    .from(registeredModels)
    .where(
      and(
        q.readable({
          id: registeredModels.ownerId,
          project: registeredModels.projectId,
          granted: { registeredModel: registeredModels.name },
        }),
        q.filter,
      ),
    )
    .orderBy(...q.orderBy)
    .limit(q.limit)
    .offset(q.offset);
}

export async function updateRegisteredModelRow(
  db: Db,
  name: string,
  patch: Partial<Pick<RegisteredModelRow, "description" | "lastUpdatedTime">>,
): Promise<RegisteredModelRow | undefined> {
  const rows = await db.update(registeredModels).set(patch).where(eq(registeredModels.name, name)).returning();
  return rows[0];
}

/** Renames a model; its versions, tags and aliases follow through ON UPDATE CASCADE. Null when the new name is taken. */
export async function renameRegisteredModel(db: Db, name: string, newName: string, now: number): Promise<RegisteredModelRow | null> {
  return db.transaction(async (tx) => {
    const taken = await tx
      .select({ name: registeredModels.name })
      .from(registeredModels)
      .where(eq(registeredModels.name, newName))
      .limit(1);
    if (taken.length > 0) return null;
    const rows = await tx
      .update(registeredModels)
      .set({ name: newName, lastUpdatedTime: now })
      .where(eq(registeredModels.name, name))
      .returning();
    return rows[0] ?? null;
  });
}

/** Hard delete: versions, tags and aliases go with it. */
export async function deleteRegisteredModelRow(db: Db, name: string): Promise<void> {
  await db.delete(registeredModels).where(eq(registeredModels.name, name));
}

// --- aliases -------------------------------------------------------------------------------------

export async function setAlias(db: Db, name: string, alias: string, version: number, now: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(registeredModelAliases)
      .values({ name, alias, version })
      .onConflictDoUpdate({ target: [registeredModelAliases.name, registeredModelAliases.alias], set: { version } });
    await tx.update(registeredModels).set({ lastUpdatedTime: now }).where(eq(registeredModels.name, name));
  });
}

export async function deleteAlias(db: Db, name: string, alias: string): Promise<void> {
  await db.delete(registeredModelAliases).where(and(eq(registeredModelAliases.name, name), eq(registeredModelAliases.alias, alias)));
}

export async function findAlias(db: Db, name: string, alias: string): Promise<AliasRow | undefined> {
  const rows = await db
    .select({ alias: registeredModelAliases.alias, version: registeredModelAliases.version })
    .from(registeredModelAliases)
    .where(and(eq(registeredModelAliases.name, name), eq(registeredModelAliases.alias, alias)))
    .limit(1);
  return rows[0];
}

/** Aliases per model name, sorted by alias. */
export async function aliasesOf(db: Db, names: string[]): Promise<Map<string, AliasRow[]>> {
  const out = new Map<string, AliasRow[]>();
  if (names.length === 0) return out;
  const rows = await db
    .select()
    .from(registeredModelAliases)
    .where(inArray(registeredModelAliases.name, names))
    .orderBy(asc(registeredModelAliases.name), asc(registeredModelAliases.alias));
  for (const r of rows) out.set(r.name, [...(out.get(r.name) ?? []), { alias: r.alias, version: r.version }]);
  return out;
}

// --- model versions ------------------------------------------------------------------------------

/**
 * Adds the next version (max existing + 1, deleted ones included, so numbers are never reused). The model's
 * row is locked first, so concurrent creates get distinct numbers. Null when the model does not exist.
 */
export async function insertModelVersion(
  db: Db,
  v: Pick<ModelVersionRow, "name" | "description" | "userId" | "source" | "runId" | "runLink"> & {
    storageLocation?: string | null;
    now: number;
    tags: KeyValue[];
  },
): Promise<ModelVersionRow | null> {
  return db.transaction(async (tx) => {
    const locked = await tx
      .select({ name: registeredModels.name })
      .from(registeredModels)
      .where(eq(registeredModels.name, v.name))
      .for("update");
    if (locked.length === 0) return null;
    const [max] = await tx
      .select({ n: sql<number>`coalesce(max(${modelVersions.version}), 0)`.mapWith(Number) })
      .from(modelVersions)
      .where(eq(modelVersions.name, v.name));
    const version = (max?.n ?? 0) + 1;
    const rows = await tx
      .insert(modelVersions)
      .values({
        name: v.name,
        version,
        creationTime: v.now,
        lastUpdatedTime: v.now,
        description: v.description,
        userId: v.userId,
        source: v.source,
        storageLocation: v.storageLocation ?? null,
        runId: v.runId,
        runLink: v.runLink,
      })
      .returning();
    await versionTagRows.set(tx, { name: v.name, version }, v.tags);
    await tx.update(registeredModels).set({ lastUpdatedTime: v.now }).where(eq(registeredModels.name, v.name));
    return rows[0] ?? null;
  });
}

/** A live (not deleted) version. */
export async function findModelVersion(db: Db, name: string, version: number): Promise<ModelVersionRow | undefined> {
  const rows = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.name, name), eq(modelVersions.version, version), live))
    .limit(1);
  return rows[0];
}

/** The highest live version of a model (what the alias `latest` names), if it has one. */
export async function latestModelVersion(db: Db, name: string): Promise<ModelVersionRow | undefined> {
  const rows = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.name, name), live))
    .orderBy(desc(modelVersions.version))
    .limit(1);
  return rows[0];
}

export async function searchModelVersionRows(
  db: Db,
  q: { readable: ReadFilter; filter: SQL | undefined; orderBy: SQL[]; limit: number; offset: number },
): Promise<ModelVersionRow[]> {
  return (
    db
      .select()
      .from(modelVersions)
      // A version has no owner column of its own: whoever may read its model reads it.
      .where(and(q.readable({ registeredModel: modelVersions.name }), live, q.filter))
      .orderBy(...q.orderBy)
      .limit(q.limit)
      .offset(q.offset)
  );
}

/** For each model, the highest live version in each stage (MLflow's latest_versions), optionally only some stages. */
export async function latestVersionsOf(db: Db, names: string[], stages?: ModelStage[]): Promise<ModelVersionRow[]> {
  if (names.length === 0) return [];
  const rows = await db
    .selectDistinctOn([modelVersions.name, modelVersions.currentStage])
    .from(modelVersions)
    .where(
      and(inArray(modelVersions.name, names), live, stages && stages.length > 0 ? inArray(modelVersions.currentStage, stages) : undefined),
    )
    .orderBy(asc(modelVersions.name), asc(modelVersions.currentStage), desc(modelVersions.version));
  return rows;
}

export async function updateModelVersionRow(
  db: Db,
  name: string,
  version: number,
  patch: Partial<Pick<ModelVersionRow, "description" | "lastUpdatedTime">>,
): Promise<ModelVersionRow | undefined> {
  const rows = await db
    .update(modelVersions)
    .set(patch)
    .where(and(eq(modelVersions.name, name), eq(modelVersions.version, version), live))
    .returning();
  return rows[0];
}

/** Moves a version to a stage; with `archiveOthers`, the other live versions in that stage become Archived. */
export async function transitionModelVersion(
  db: Db,
  name: string,
  version: number,
  stage: ModelStage,
  archiveOthers: boolean,
  now: number,
): Promise<ModelVersionRow | undefined> {
  return db.transaction(async (tx) => {
    if (archiveOthers) {
      await tx
        .update(modelVersions)
        .set({ currentStage: "Archived", lastUpdatedTime: now })
        .where(and(eq(modelVersions.name, name), ne(modelVersions.version, version), eq(modelVersions.currentStage, stage)));
    }
    const rows = await tx
      .update(modelVersions)
      .set({ currentStage: stage, lastUpdatedTime: now })
      .where(and(eq(modelVersions.name, name), eq(modelVersions.version, version), live))
      .returning();
    await tx.update(registeredModels).set({ lastUpdatedTime: now }).where(eq(registeredModels.name, name));
    return rows[0];
  });
}

/**
 * Soft delete, as MLflow's SQL store does: the row stays (so the number is not reused) with stage
 * Deleted_Internal and its fields redacted; its tags and the aliases pointing at it are removed.
 */
export async function softDeleteModelVersion(db: Db, name: string, version: number, now: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(modelVersions)
      .set({
        currentStage: DELETED_STAGE,
        lastUpdatedTime: now,
        description: null,
        userId: "",
        source: "REDACTED-SOURCE-PATH",
        runId: "REDACTED-RUN-ID",
        runLink: null,
        statusMessage: null,
      })
      .where(and(eq(modelVersions.name, name), eq(modelVersions.version, version)));
    await versionTagRows.removeAll(tx, { name, version });
    await tx.delete(registeredModelAliases).where(and(eq(registeredModelAliases.name, name), eq(registeredModelAliases.version, version)));
    await tx.update(registeredModels).set({ lastUpdatedTime: now }).where(eq(registeredModels.name, name));
  });
}
