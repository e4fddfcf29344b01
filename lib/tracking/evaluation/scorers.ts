/**
 * Registered scorers per experiment (mlflow/store/tracking/rest_store.py register_scorer, list_scorers,
 * list_scorer_versions, get_scorer, delete_scorer). Each register adds the next version of (experiment, name);
 * list answers the latest version of each name; get without a version the latest; delete without a version
 * every version. The serialized scorer is kept as the JSON text the client sent and never run here.
 */
import { randomUUID } from "node:crypto";
import {
  countScorerNames,
  deleteScorerVersions,
  findScorerVersion,
  insertScorerVersion,
  latestScorers,
  latestScorerVersion,
  scorerVersionsOf,
} from "@/db/queries/evaluation";
import type { ExperimentRow } from "@/db/queries/tracking";
import type { z } from "zod";
import { nowOf, type Body, type TrackingContext } from "../context";
import { doesNotExist, invalidParam } from "../errors";
import { exhausted, MAX_SCORER_BYTES, MAX_SCORER_VERSIONS, MAX_SCORERS_PER_EXPERIMENT } from "./limits";
import type { evaluationSchemas } from "./schemas";
import { parseJsonObject, scorerView } from "./wire";

type In<K extends keyof typeof evaluationSchemas> = z.output<(typeof evaluationSchemas)[K]>;

const notFound = (exp: ExperimentRow, name: string, version?: number) =>
  doesNotExist(
    version === undefined
      ? `Scorer with name '${name}' not found for experiment ${exp.id}.`
      : `Scorer with name '${name}' and version ${version} not found for experiment ${exp.id}.`,
  );

export async function registerScorer(ctx: TrackingContext, input: In<"registerScorer">, exp: ExperimentRow): Promise<Body> {
  if (Buffer.byteLength(input.serialized_scorer) > MAX_SCORER_BYTES)
    throw exhausted(
      `The serialized scorer is ${Buffer.byteLength(input.serialized_scorer)} bytes; a scorer may be at most ${MAX_SCORER_BYTES} bytes.`,
    );
  parseJsonObject(input.serialized_scorer, "serialized_scorer");
  const latest = await latestScorerVersion(ctx.db, exp.id, input.name);
  if (!latest && (await countScorerNames(ctx.db, exp.id)) >= MAX_SCORERS_PER_EXPERIMENT)
    throw exhausted(
      `Experiment ${exp.id} already has ${MAX_SCORERS_PER_EXPERIMENT} scorers, the most one experiment keeps; delete one first.`,
    );
  const version = (latest?.version ?? 0) + 1;
  if (version > MAX_SCORER_VERSIONS)
    throw exhausted(
      `Scorer '${input.name}' already has ${MAX_SCORER_VERSIONS} versions, the most one scorer keeps; delete old versions with delete_scorer(name, version=...) first.`,
    );
  const row = {
    experimentId: exp.id,
    name: input.name,
    version,
    scorerId: latest?.scorerId ?? randomUUID(),
    serializedScorer: input.serialized_scorer,
    creationTime: nowOf(ctx),
    creator: ctx.principal.name,
    ownerId: ctx.principal.userId ?? null,
  };
  if (!(await insertScorerVersion(ctx.db, row)))
    throw invalidParam(`Scorer '${input.name}' version ${version} was registered by another request at the same time; register again.`);
  return {
    version,
    scorer_id: row.scorerId,
    experiment_id: String(exp.id),
    name: row.name,
    serialized_scorer: row.serializedScorer,
    creation_time: row.creationTime,
  };
}

export async function listScorers(ctx: TrackingContext, _input: In<"listScorers">, exp: ExperimentRow): Promise<Body> {
  return { scorers: (await latestScorers(ctx.db, exp.id)).map(scorerView) };
}

export async function listScorerVersions(ctx: TrackingContext, input: In<"scorerVersions">, exp: ExperimentRow): Promise<Body> {
  const rows = await scorerVersionsOf(ctx.db, exp.id, input.name);
  if (rows.length === 0) throw notFound(exp, input.name);
  return { scorers: rows.map(scorerView) };
}

export async function getScorer(ctx: TrackingContext, input: In<"scorer">, exp: ExperimentRow): Promise<Body> {
  const row =
    input.version === undefined
      ? await latestScorerVersion(ctx.db, exp.id, input.name)
      : await findScorerVersion(ctx.db, exp.id, input.name, input.version);
  if (!row) throw notFound(exp, input.name, input.version);
  return { scorer: scorerView(row) };
}

export async function deleteScorer(ctx: TrackingContext, input: In<"scorer">, exp: ExperimentRow): Promise<Body> {
  if ((await deleteScorerVersions(ctx.db, exp.id, input.name, input.version)) === 0) throw notFound(exp, input.name, input.version);
  return {};
}
