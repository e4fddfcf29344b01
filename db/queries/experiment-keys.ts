/**
 * The metric, param and tag keys logged to an experiment's runs (`experiment_keys`), recorded where they are
 * written so the runs page reads its column choices without a DISTINCT over every run
 * (db/queries/experiment-overview.ts reads them).
 */
import { sql } from "drizzle-orm";
import type { Db } from "../client";
import { experimentKeys, type ExperimentKeyKind } from "../schema";
import { textArray } from "./array-params";

export interface ExperimentKey {
  kind: ExperimentKeyKind;
  key: string;
}

/**
 * One statement for any number of keys; a key already there is a no-op. Sorted, so two writers adding the same
 * new keys in one transaction each take their row locks in the same order and cannot deadlock.
 */
export async function recordExperimentKeys(db: Db, experimentId: number, keys: readonly ExperimentKey[]): Promise<void> {
  const unique = [...new Map(keys.map((k) => [`${k.kind}\u0000${k.key}`, k])).values()].sort((a, b) =>
    a.kind !== b.kind ? (a.kind < b.kind ? -1 : 1) : a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  if (unique.length === 0) return;
  await db.execute(sql`
    INSERT INTO ${experimentKeys} (experiment_id, kind, key)
    SELECT ${experimentId}, k.kind, k.key
    FROM unnest(${textArray(unique.map((k) => k.kind))}::text[], ${textArray(unique.map((k) => k.key))}::text[]) WITH ORDINALITY AS k(kind, key, n)
    ORDER BY k.n
    ON CONFLICT DO NOTHING`);
}

/** The keys of logged items (points, params, tags) as one kind of experiment key. */
export const keysOfKind = (kind: ExperimentKeyKind, items: readonly { key: string }[]): ExperimentKey[] =>
  items.map(({ key }) => ({ kind, key }));
