/**
 * What the experiment page shows of GenAI evaluation: its datasets (records, last change, the first records)
 * and its registered scorers (latest version of each). Read as the experiment is read (lib/auth/access.ts:
 * everyone signed in reads tracking things), bounded to the first PAGE_DATASETS datasets and PREVIEW_RECORDS records.
 */
import type { Db } from "@/db/client";
import { datasetsOfExperiment, latestScorers, pageDatasetRecords, scorerVersionsOf } from "@/db/queries/evaluation";

const PAGE_DATASETS = 20;
const PREVIEW_RECORDS = 5;
/** Characters of a record's JSON shown in a preview cell. */
const PREVIEW_CHARS = 160;

interface DatasetSummary {
  datasetId: string;
  name: string;
  recordCount: number;
  lastUpdateTime: number;
  lastUpdatedBy: string | null;
  preview: { inputs: string; expectations: string }[];
}

interface ScorerSummary {
  name: string;
  version: number;
  versions: number;
  creationTime: number;
  kind: string;
}

export interface EvaluationOverview {
  datasets: DatasetSummary[];
  /** More datasets than shown. */
  moreDatasets: boolean;
  scorers: ScorerSummary[];
}

const clip = (v: unknown) => {
  if (v === null || v === undefined) return "";
  const s = JSON.stringify(v);
  return s.length > PREVIEW_CHARS ? `${s.slice(0, PREVIEW_CHARS)}…` : s;
};

/** What a serialized scorer says it is (an LLM judge, a built-in, code), for the list. */
function scorerKind(serialized: string): string {
  try {
    const v = JSON.parse(serialized) as Record<string, unknown>;
    if (v.instructions_judge_pydantic_data) return "LLM judge";
    if (v.builtin_scorer_class) return `built-in (${String(v.builtin_scorer_class)})`;
    if (v.call_source) return "code";
  } catch {
    // Stored as sent; an unreadable one is shown without a kind.
  }
  return "";
}

export async function evaluationOverview(db: Db, experimentId: number): Promise<EvaluationOverview> {
  const rows = await datasetsOfExperiment(db, experimentId, PAGE_DATASETS + 1);
  const datasets: DatasetSummary[] = [];
  for (const d of rows.slice(0, PAGE_DATASETS)) {
    const records = await pageDatasetRecords(db, d.datasetId, 0, PREVIEW_RECORDS);
    datasets.push({
      datasetId: d.datasetId,
      name: d.name,
      recordCount: d.recordCount,
      lastUpdateTime: d.lastUpdateTime,
      lastUpdatedBy: d.lastUpdatedBy,
      preview: records.map((r) => ({ inputs: clip(r.inputs), expectations: clip(r.expectations) })),
    });
  }
  const scorers: ScorerSummary[] = [];
  for (const s of await latestScorers(db, experimentId)) {
    scorers.push({
      name: s.name,
      version: s.version,
      versions: (await scorerVersionsOf(db, experimentId, s.name)).length,
      creationTime: s.creationTime,
      kind: scorerKind(s.serializedScorer),
    });
  }
  return { datasets, moreDatasets: rows.length > PAGE_DATASETS, scorers };
}
