/** SQL for run dataset inputs (runs/log-inputs): datasets per experiment, linked to runs with input tags. */
import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../client";
import { datasets, runInputTags, runInputs } from "../schema";
import { KeyValueRows, type KeyValue } from "./key-values";

const inputTagRows = new KeyValueRows(runInputTags);

interface DatasetFields {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

export interface DatasetInputRow {
  dataset: DatasetFields;
  tags: KeyValue[];
}

/**
 * Records dataset inputs of a run in one transaction: a dataset is created once per (experiment, name,
 * digest), linked to the run once, and its input tags are upserted.
 */
export async function insertDatasetInputs(db: Db, experimentId: number, runUuid: string, inputs: DatasetInputRow[]): Promise<void> {
  if (inputs.length === 0) return;
  await db.transaction(async (tx) => {
    for (const input of inputs) {
      const d = input.dataset;
      await tx
        .insert(datasets)
        .values({ id: randomUUID(), experimentId, ...d })
        .onConflictDoNothing({ target: [datasets.experimentId, datasets.name, datasets.digest] });
      const [ds] = await tx
        .select({ id: datasets.id })
        .from(datasets)
        .where(and(eq(datasets.experimentId, experimentId), eq(datasets.name, d.name), eq(datasets.digest, d.digest)))
        .limit(1);
      if (!ds) throw new Error("dataset row vanished inside its transaction");
      await tx
        .insert(runInputs)
        .values({ id: randomUUID(), datasetId: ds.id, runUuid })
        .onConflictDoNothing({ target: [runInputs.datasetId, runInputs.runUuid] });
      const [link] = await tx
        .select({ id: runInputs.id })
        .from(runInputs)
        .where(and(eq(runInputs.datasetId, ds.id), eq(runInputs.runUuid, runUuid)))
        .limit(1);
      if (!link) throw new Error("run input row vanished inside its transaction");
      await inputTagRows.set(tx, { inputId: link.id }, input.tags);
    }
  });
}

/** Dataset inputs per run, ordered by dataset name and digest; input tags sorted by name. */
export async function datasetInputsOf(db: Db, runIds: string[]): Promise<Map<string, DatasetInputRow[]>> {
  const out = new Map<string, DatasetInputRow[]>();
  if (runIds.length === 0) return out;
  const rows = await db
    .select({ inputId: runInputs.id, runUuid: runInputs.runUuid, d: datasets })
    .from(runInputs)
    .innerJoin(datasets, eq(datasets.id, runInputs.datasetId))
    .where(inArray(runInputs.runUuid, runIds))
    .orderBy(asc(datasets.name), asc(datasets.digest));
  if (rows.length === 0) return out;
  const tags = await inputTagRows.of(db, rows);
  for (const r of rows) {
    const { name, digest, sourceType, source, schema, profile } = r.d;
    out.set(r.runUuid, [...(out.get(r.runUuid) ?? []), { dataset: { name, digest, sourceType, source, schema, profile }, tags: tags(r) }]);
  }
  return out;
}
