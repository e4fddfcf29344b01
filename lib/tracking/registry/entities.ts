/** Registry rows → MLflow wire shapes (docs/mlflow-rest.md §0): `version` is a string, unset fields and empty lists are omitted. */
import type { Db } from "@/db/client";
import {
  aliasesOf,
  latestVersionsOf,
  modelTagRows,
  versionTagRows,
  type AliasRow,
  type ModelVersionRow,
  type RegisteredModelRow,
} from "@/db/queries/registry";
import type { KeyValue } from "@/db/queries/tracking";

export interface WireModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  current_stage: string;
  description?: string;
  source: string;
  run_id?: string;
  status: string;
  status_message?: string;
  tags?: KeyValue[];
  run_link?: string;
  aliases?: string[];
}

export interface WireRegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id?: string;
  description?: string;
  latest_versions?: WireModelVersion[];
  tags?: KeyValue[];
  aliases?: { alias: string; version: string }[];
}

function modelVersionToWire(row: ModelVersionRow, tags: KeyValue[] = [], aliases: string[] = []): WireModelVersion {
  const out: WireModelVersion = {
    name: row.name,
    version: String(row.version),
    creation_timestamp: row.creationTime,
    last_updated_timestamp: row.lastUpdatedTime,
    current_stage: row.currentStage,
    source: row.source,
    status: row.status,
  };
  if (row.userId) out.user_id = row.userId;
  if (row.description !== null) out.description = row.description;
  if (row.runId) out.run_id = row.runId;
  if (row.statusMessage) out.status_message = row.statusMessage;
  if (tags.length > 0) out.tags = tags;
  if (row.runLink) out.run_link = row.runLink;
  if (aliases.length > 0) out.aliases = aliases;
  return out;
}

const aliasNamesFor = (aliases: AliasRow[] | undefined, version: number) =>
  (aliases ?? []).filter((a) => a.version === version).map((a) => a.alias);

/** Versions with their tags and aliases, in the order given. */
export async function modelVersionsToWire(db: Db, rows: ModelVersionRow[]): Promise<WireModelVersion[]> {
  const [tags, aliases] = await Promise.all([versionTagRows.of(db, rows), aliasesOf(db, [...new Set(rows.map((r) => r.name))])]);
  return rows.map((r) => modelVersionToWire(r, tags(r), aliasNamesFor(aliases.get(r.name), r.version)));
}

/** Models with tags, aliases and latest_versions (the highest version per stage), in the order given. */
export async function registeredModelsToWire(db: Db, rows: RegisteredModelRow[]): Promise<WireRegisteredModel[]> {
  const names = rows.map((r) => r.name);
  const [tags, aliases, latestRows] = await Promise.all([modelTagRows.of(db, rows), aliasesOf(db, names), latestVersionsOf(db, names)]);
  const latest = await modelVersionsToWire(db, latestRows);
  return rows.map((r) => {
    const out: WireRegisteredModel = { name: r.name, creation_timestamp: r.creationTime, last_updated_timestamp: r.lastUpdatedTime };
    if (r.userId) out.user_id = r.userId;
    if (r.description !== null) out.description = r.description;
    const mine = latest.filter((v) => v.name === r.name).sort((a, b) => Number(a.version) - Number(b.version));
    if (mine.length > 0) out.latest_versions = mine;
    const t = tags(r);
    if (t.length > 0) out.tags = t;
    const a = aliases.get(r.name);
    if (a && a.length > 0) out.aliases = a.map((x) => ({ alias: x.alias, version: String(x.version) }));
    return out;
  });
}
