/** SQL for MLflow-style experiments and runs; the rules (validation, permissions, wire shapes) live in lib/tracking. */
import { and, asc, eq, inArray, or, sql, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Db } from "../client";
import { experimentTags, experiments, latestMetrics, metrics, runParams, runTags, runs, type LifecycleStage } from "../schema";
import { boolArray, numberArray, textArray } from "./array-params";
import { KeyValueRows, type KeyValue } from "./key-values";
import type { ReadFilter } from "./readable";

export type { KeyValue } from "./key-values";

export type ExperimentRow = typeof experiments.$inferSelect;
export type RunRow = typeof runs.$inferSelect;
export type MetricRow = Omit<typeof metrics.$inferSelect, "runUuid">;
export const experimentTagRows = new KeyValueRows(experimentTags);
export const runTagRows = new KeyValueRows(runTags);
export const runParamRows = new KeyValueRows(runParams);

export const DEFAULT_EXPERIMENT_ID = 0;

// --- experiments ---------------------------------------------------------------------------------

/** Creates experiment "0" ("Default") if it is missing; an explicit id does not move the sequence. */
export async function ensureDefaultExperiment(db: Db, now = Date.now()): Promise<void> {
  await db
    .insert(experiments)
    .values({
      id: DEFAULT_EXPERIMENT_ID,
      name: "Default",
      artifactLocation: "mlflow-artifacts:/0",
      creationTime: now,
      lastUpdateTime: now,
      owner: null,
    })
    .onConflictDoNothing();
}

/**
 * Inserts an experiment and its tags; null when the name is taken. Without an artifact location it gets
 * `<defaultRoot>/<id>`.
 */
export async function insertExperiment(
  db: Db,
  exp: {
    name: string;
    artifactLocation?: string;
    owner: string;
    ownerId: string | null;
    /** Null: the owner's personal space. */
    projectId?: string | null;
    now: number;
    tags: KeyValue[];
    defaultRoot: string;
  },
): Promise<ExperimentRow | null> {
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(experiments)
      .values({
        name: exp.name,
        artifactLocation: exp.artifactLocation ?? "",
        creationTime: exp.now,
        lastUpdateTime: exp.now,
        owner: exp.owner,
        ownerId: exp.ownerId,
        projectId: exp.projectId ?? null,
      })
      .onConflictDoNothing({ target: experiments.name })
      .returning();
    let row = inserted[0];
    if (!row) return null;
    if (!exp.artifactLocation) {
      const updated = await tx
        .update(experiments)
        .set({ artifactLocation: `${exp.defaultRoot.replace(/\/+$/, "")}/${row.id}` })
        .where(eq(experiments.id, row.id))
        .returning();
      row = updated[0] ?? row;
    }
    await experimentTagRows.set(tx, { experimentId: row.id }, exp.tags);
    return row;
  });
}

export async function findExperiment(db: Db, id: number): Promise<ExperimentRow | undefined> {
  const rows = await db.select().from(experiments).where(eq(experiments.id, id)).limit(1);
  return rows[0];
}

export async function findExperimentByName(db: Db, name: string): Promise<ExperimentRow | undefined> {
  const rows = await db.select().from(experiments).where(eq(experiments.name, name)).limit(1);
  return rows[0];
}

/** Renames; false when the new name is taken. */
export async function renameExperiment(db: Db, id: number, name: string, now: number): Promise<boolean> {
  const taken = await findExperimentByName(db, name);
  if (taken && taken.id !== id) return false;
  try {
    // A savepoint: the caller's transaction (lib/tracking/http/dispatch.ts) survives a lost race for the name.
    await db.transaction((tx) => tx.update(experiments).set({ name, lastUpdateTime: now }).where(eq(experiments.id, id)));
  } catch (err) {
    if (await findExperimentByName(db, name)) return false;
    throw err;
  }
  return true;
}

/** Soft-deletes or restores an experiment together with its runs. */
export async function setExperimentLifecycle(db: Db, id: number, stage: LifecycleStage, now: number): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.update(experiments).set({ lifecycleStage: stage, lastUpdateTime: now }).where(eq(experiments.id, id));
    await tx
      .update(runs)
      .set({ lifecycleStage: stage, deletedTime: stage === "deleted" ? now : null })
      .where(and(eq(runs.experimentId, id), sql`${runs.lifecycleStage} <> ${stage}`));
  });
}

export async function upsertExperimentTag(db: Db, id: number, tag: KeyValue, now: number): Promise<void> {
  await experimentTagRows.set(db, { experimentId: id }, [tag]);
  await db.update(experiments).set({ lastUpdateTime: now }).where(eq(experiments.id, id));
}

export async function searchExperimentRows(
  db: Db,
  q: { readable: ReadFilter; lifecycle: LifecycleStage | null; filter: SQL | undefined; orderBy: SQL[]; limit: number; offset: number },
): Promise<ExperimentRow[]> {
  return db
    .select()
    .from(experiments)
    .where(
      and(
        q.readable({ id: experiments.ownerId, project: experiments.projectId, granted: { experiment: experiments.id } }),
        q.lifecycle ? eq(experiments.lifecycleStage, q.lifecycle) : undefined,
        q.filter,
      ),
    )
    .orderBy(...q.orderBy)
    .limit(q.limit)
    .offset(q.offset);
}

// --- runs ----------------------------------------------------------------------------------------

export async function insertRun(db: Db, run: Omit<RunRow, "deletedTime" | "lifecycleStage">, tags: KeyValue[]): Promise<RunRow> {
  return db.transaction(async (tx) => {
    const rows = await tx
      .insert(runs)
      .values({ ...run, lifecycleStage: "active" })
      .returning();
    const row = rows[0];
    if (!row) throw new Error("insert returned no run");
    await runTagRows.set(tx, { runUuid: row.runUuid }, tags);
    return row;
  });
}

export async function findRun(db: Db, runUuid: string): Promise<RunRow | undefined> {
  const rows = await db.select().from(runs).where(eq(runs.runUuid, runUuid)).limit(1);
  return rows[0];
}

/** A run and its experiment in one round trip (every run write checks both). */
export async function findRunWithExperiment(db: Db, runUuid: string): Promise<{ run: RunRow; experiment: ExperimentRow } | undefined> {
  const rows = await db
    .select({ run: runs, experiment: experiments })
    .from(runs)
    .innerJoin(experiments, eq(experiments.id, runs.experimentId))
    .where(eq(runs.runUuid, runUuid))
    .limit(1);
  return rows[0];
}

export async function findRunsByIds(db: Db, ids: string[]): Promise<RunRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(runs).where(inArray(runs.runUuid, ids));
}

export async function updateRunRow(
  db: Db,
  runUuid: string,
  patch: Partial<Pick<RunRow, "status" | "endTime" | "name" | "lifecycleStage" | "deletedTime">>,
): Promise<RunRow | undefined> {
  if (Object.keys(patch).length === 0) return findRun(db, runUuid);
  const rows = await db.update(runs).set(patch).where(eq(runs.runUuid, runUuid)).returning();
  return rows[0];
}

export interface RunData {
  tags: KeyValue[];
  params: KeyValue[];
  metrics: MetricRow[];
}

/** Tags, params and latest metrics of many runs, each list sorted by key. */
export async function runDataOf(db: Db, ids: string[]): Promise<Map<string, RunData>> {
  const owners = ids.map((runUuid) => ({ runUuid }));
  const [tags, params] = await Promise.all([runTagRows.of(db, owners), runParamRows.of(db, owners)]);
  const out = new Map<string, RunData>(owners.map((o) => [o.runUuid, { tags: tags(o), params: params(o), metrics: [] }]));
  for (let i = 0; i < ids.length; i += 5000) {
    const part = ids.slice(i, i + 5000);
    const rows = await db.select().from(latestMetrics).where(inArray(latestMetrics.runUuid, part)).orderBy(asc(latestMetrics.key));
    for (const { runUuid, ...m } of rows) out.get(runUuid)?.metrics.push(m);
  }
  return out;
}

/** Points as stored: NaN is value 0 + isNan, ±Infinity is ±MAX_VALUE (MLflow's SQL store does the same). */
export function storedPoint(m: { key: string; value: number; timestamp: number; step: number }): MetricRow {
  if (Number.isNaN(m.value)) return { key: m.key, value: 0, timestamp: m.timestamp, step: m.step, isNan: true };
  const value = m.value === Infinity ? Number.MAX_VALUE : m.value === -Infinity ? -Number.MAX_VALUE : m.value;
  return { key: m.key, value, timestamp: m.timestamp, step: m.step, isNan: false };
}

function newer(a: MetricRow, b: MetricRow): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

/**
 * Appends metric points (an exact duplicate is ignored) and moves latest_metrics forward for each key: the
 * point with the greatest (step, timestamp, value) wins. One transaction; keys are upserted in sorted order
 * so concurrent writers to the same run cannot deadlock.
 */
export async function insertMetrics(db: Db, runUuid: string, points: MetricRow[]): Promise<void> {
  if (points.length === 0) return;
  const latest = new Map<string, MetricRow>();
  for (const p of points) {
    const cur = latest.get(p.key);
    if (!cur || newer(p, cur)) latest.set(p.key, p);
  }
  const latestRows = [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // One statement (atomic without BEGIN/COMMIT round trips); the points travel as one array parameter a column
  // (array-params.ts). latest_metrics gets one row a key, upserted in key order so concurrent writers to one run
  // cannot deadlock.
  const rows = (list: MetricRow[]) => sql`unnest(${textArray(list.map((p) => p.key))}::text[],
    ${numberArray(list.map((p) => p.value))}::double precision[], ${numberArray(list.map((p) => p.timestamp))}::bigint[],
    ${numberArray(list.map((p) => p.step))}::bigint[], ${boolArray(list.map((p) => p.isNan))}::boolean[])`;
  await db.execute(sql`
    WITH history AS (
      INSERT INTO ${metrics} (run_uuid, key, value, timestamp, step, is_nan)
      SELECT ${runUuid}, p.key, p.value, p.timestamp, p.step, p.is_nan FROM ${rows(points)} AS p(key, value, timestamp, step, is_nan)
      ON CONFLICT DO NOTHING
    )
    INSERT INTO ${latestMetrics} (run_uuid, key, value, timestamp, step, is_nan)
    SELECT ${runUuid}, l.key, l.value, l.timestamp, l.step, l.is_nan
    FROM ${rows(latestRows)} WITH ORDINALITY AS l(key, value, timestamp, step, is_nan, n)
    ORDER BY l.n
    ON CONFLICT (run_uuid, key) DO UPDATE
      SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
      WHERE (excluded.step, excluded.timestamp, excluded.value) > (${latestMetrics.step}, ${latestMetrics.timestamp}, ${latestMetrics.value})`);
}

/** A metric's history ordered by (timestamp, step, value); `limit` null means all points. */
export async function metricHistory(db: Db, runUuid: string, key: string, limit: number | null, offset: number): Promise<MetricRow[]> {
  const q = db
    .select({ key: metrics.key, value: metrics.value, timestamp: metrics.timestamp, step: metrics.step, isNan: metrics.isNan })
    .from(metrics)
    .where(and(eq(metrics.runUuid, runUuid), eq(metrics.key, key)))
    .orderBy(asc(metrics.timestamp), asc(metrics.step), asc(metrics.value))
    .offset(offset);
  return limit === null ? q : q.limit(limit);
}

/** The latest_metrics row of the metric a search is ordered by, joined to each run (see searchRunIds). */
export const orderMetric = alias(latestMetrics, "order_metric");

/**
 * When runs are ordered by a metric first: the metric's key, extra conditions on its joined row (`orderMetric`)
 * and the ORDER BY terms on it; `orderBy` then holds the remaining terms.
 */
export interface LeadingMetricOrder {
  key: string;
  on: SQL | undefined;
  orderBy: SQL[];
}

/** Which of these experiments the caller may read (`readable`, lib/auth/access.ts `readableBy`). */
async function readableExperimentIds(db: Db, readable: ReadFilter, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ id: experiments.id })
    .from(experiments)
    .where(
      and(
        inArray(experiments.id, ids),
        readable({ id: experiments.ownerId, project: experiments.projectId, granted: { experiment: experiments.id } }),
      ),
    );
  return rows.map((r) => r.id);
}

/**
 * One page of run ids for runs/search; `filter` and `orderBy` come compiled from lib/tracking/search/runs-sql.ts.
 * Ordered by a metric, runs having it come first, read in index order from latest_metrics so a page over
 * 100k runs touches about a page of rows; runs without it follow, as MLflow sorts missing values last.
 */
export async function searchRunIds(
  db: Db,
  q: {
    readable: ReadFilter;
    experimentIds: number[];
    lifecycle: LifecycleStage | null;
    filter: SQL | undefined;
    orderBy: SQL[];
    leading?: LeadingMetricOrder;
    limit: number;
    offset: number;
  },
): Promise<string[]> {
  // A run is readable when its experiment is, or when the caller made it. Deciding that per experiment first (a
  // few indexed rows) keeps a search over experiments she may not read from walking every run, in metric order,
  // to answer an empty page (docs/projects.md, "The one rule").
  const readableIds = await readableExperimentIds(db, q.readable, q.experimentIds);
  const others = q.experimentIds.filter((id) => !readableIds.includes(id));
  const ownIn = (ids: number[]) => and(inArray(runs.experimentId, ids), q.readable({ id: runs.ownerId }));
  if (readableIds.length === 0) {
    const [own] = await db.select({ id: runs.runUuid }).from(runs).where(ownIn(others)).limit(1);
    if (!own) return [];
  }
  const visible =
    others.length === 0
      ? inArray(runs.experimentId, readableIds)
      : or(readableIds.length > 0 ? inArray(runs.experimentId, readableIds) : undefined, ownIn(others));
  const where = and(visible, q.lifecycle ? eq(runs.lifecycleStage, q.lifecycle) : undefined, q.filter);
  const lead = q.leading;
  if (!lead) {
    const rows = await db
      .select({ id: runs.runUuid })
      .from(runs)
      .where(where)
      .orderBy(...q.orderBy)
      .limit(q.limit)
      .offset(q.offset);
    return rows.map((r) => r.id);
  }
  const joinOn = and(eq(orderMetric.runUuid, runs.runUuid), eq(orderMetric.key, lead.key), lead.on);
  const withMetric = await db
    .select({ id: runs.runUuid })
    .from(runs)
    .innerJoin(orderMetric, joinOn)
    .where(where)
    .orderBy(...lead.orderBy, ...q.orderBy)
    .limit(q.limit)
    .offset(q.offset);
  if (withMetric.length === q.limit) return withMetric.map((r) => r.id);
  // How many runs have the metric decides where the runs without it start.
  let having = q.offset + withMetric.length;
  if (withMetric.length === 0 && q.offset > 0) {
    const [c] = await db
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(runs)
      .innerJoin(orderMetric, joinOn)
      .where(where);
    having = c?.n ?? 0;
  }
  const missing = sql`NOT EXISTS (SELECT 1 FROM ${latestMetrics} WHERE ${latestMetrics.runUuid} = ${runs.runUuid} AND ${latestMetrics.key} = ${lead.key})`;
  const without = await db
    .select({ id: runs.runUuid })
    .from(runs)
    .where(and(where, missing))
    .orderBy(...q.orderBy)
    .limit(q.limit - withMetric.length)
    .offset(Math.max(0, q.offset - having));
  return [...withMetric, ...without].map((r) => r.id);
}
