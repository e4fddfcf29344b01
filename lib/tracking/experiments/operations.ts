/**
 * Experiment operations (docs/mlflow-rest.md §1). Inputs arrive validated and the experiment loaded, and for
 * changes its owner checked, by dispatch (lib/tracking/http/operations.ts).
 */
import type { Db } from "@/db/client";
import {
  experimentTagRows,
  findExperimentByName,
  insertExperiment,
  renameExperiment,
  searchExperimentRows,
  setExperimentLifecycle,
  upsertExperimentTag,
  type ExperimentRow,
} from "@/db/queries/tracking";
import { nowOf, type Body, type TrackingContext } from "../context";
import { experimentToWire } from "../entities";
import { TrackingError, doesNotExist, invalidParam } from "../errors";
import type { experiments, Input } from "../http/schemas";
import { DEFAULT_ARTIFACT_ROOT, lifecycleOf } from "../runs/constants";
import { maxResults } from "../search/max-results";
import { decodePageToken, pageOf } from "../search/page-token";
import { compileExperimentFilter, compileExperimentOrderBy } from "../search/experiments-sql";
import { can, experimentResource, readableBy } from "@/lib/auth/access";
import { creationProject } from "../workspace";

export const MAX_EXPERIMENTS_SEARCH_RESULTS = 50000;

export function assertExperimentActive(exp: ExperimentRow): void {
  if (exp.lifecycleStage !== "active") {
    throw invalidParam(`The experiment ${exp.id} must be in the 'active' state. Current state is ${exp.lifecycleStage}.`);
  }
}

/**
 * A custom artifact location is one the client writes to itself (s3://bucket/path and the like); the portal's own
 * store (mlflow-artifacts:) keeps files only at the location it chooses, `mlflow-artifacts:/<experiment_id>`, the
 * layout lib/artifacts/scope.ts maps to owners. So a custom mlflow-artifacts: location is refused here rather than
 * accepted and then refused on every upload, and so is a `..` segment anywhere.
 */
function checkArtifactLocation(location: string): void {
  if (/^mlflow-artifacts:/i.test(location))
    throw invalidParam(
      `artifact_location '${location}' is not allowed: the portal chooses where it stores an experiment's artifacts (mlflow-artifacts:/<experiment_id>); leave artifact_location out, or give a location your client writes to itself, such as s3://bucket/path.`,
    );
  const path = location.replace(/[?#].*$/, "");
  if (path.split(/[/\\]/).includes(".."))
    throw invalidParam(`artifact_location '${location}' has a '..' segment; give the location without it.`);
}

export async function createExperiment(ctx: TrackingContext, input: Input<typeof experiments.create>): Promise<Body> {
  const { name, tags } = input;
  if (input.artifact_location) checkArtifactLocation(input.artifact_location);
  const projectId = await creationProject(ctx, "experiments");
  const row = await insertExperiment(ctx.db, {
    name,
    artifactLocation: input.artifact_location || undefined,
    owner: ctx.principal.name,
    ownerId: ctx.principal.userId ?? null,
    projectId,
    now: nowOf(ctx),
    tags,
    defaultRoot: DEFAULT_ARTIFACT_ROOT,
  });
  if (!row)
    throw new TrackingError(
      "RESOURCE_ALREADY_EXISTS",
      `Experiment(name=${name}) already exists. Error: an experiment with this name exists (it may be deleted).`,
    );
  return { experiment_id: String(row.id) };
}

async function experimentBody(db: Db, row: ExperimentRow): Promise<Body> {
  return { experiment: experimentToWire(row, await experimentTagRows.get(db, { experimentId: row.id })) };
}

export const getExperiment = (ctx: TrackingContext, _input: unknown, exp: ExperimentRow) => experimentBody(ctx.db, exp);

export async function getExperimentByName(
  ctx: TrackingContext,
  { experiment_name: name }: Input<typeof experiments.getByName>,
): Promise<Body> {
  const row = await findExperimentByName(ctx.db, name);
  // One the caller may not read is not there for her (lib/auth/access.ts, ATRIUM_DEFAULT_PERMISSION=NONE).
  if (!row || !can(ctx.principal, "read", experimentResource(row))) throw doesNotExist(`Could not find experiment with name '${name}'`);
  return experimentBody(ctx.db, row);
}

export async function searchExperiments(ctx: TrackingContext, input: Input<typeof experiments.search>): Promise<Body> {
  const max = maxResults(input.max_results, 1000, MAX_EXPERIMENTS_SEARCH_RESULTS, true);
  const offset = decodePageToken(input.page_token);
  const filter = compileExperimentFilter(input.filter ?? "");
  const orderBy = compileExperimentOrderBy(input.order_by);
  const rows = await searchExperimentRows(ctx.db, {
    readable: readableBy(ctx.principal, "experiment"),
    lifecycle: lifecycleOf(input.view_type),
    filter,
    orderBy,
    limit: max + 1,
    offset,
  });
  const { page, next_page_token } = pageOf(rows, max, offset);
  const tags = await experimentTagRows.of(
    ctx.db,
    page.map((r) => ({ experimentId: r.id })),
  );
  return {
    ...(page.length > 0 ? { experiments: page.map((r) => experimentToWire(r, tags({ experimentId: r.id }))) } : {}),
    ...(next_page_token ? { next_page_token } : {}),
  };
}

export async function updateExperiment(
  ctx: TrackingContext,
  { new_name: newName }: Input<typeof experiments.update>,
  exp: ExperimentRow,
): Promise<Body> {
  if (exp.lifecycleStage !== "active") throw new TrackingError("INVALID_STATE", "Cannot rename a non-active experiment.");
  if (!(await renameExperiment(ctx.db, exp.id, newName, nowOf(ctx)))) {
    throw new TrackingError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${newName}) already exists.`);
  }
  return {};
}

const setStage = (stage: "active" | "deleted") => async (ctx: TrackingContext, _input: unknown, exp: ExperimentRow) => {
  await setExperimentLifecycle(ctx.db, exp.id, stage, nowOf(ctx));
  return {};
};
export const deleteExperiment = setStage("deleted");
export const restoreExperiment = setStage("active");

export async function setExperimentTag(
  ctx: TrackingContext,
  { key, value }: Input<typeof experiments.setTag>,
  exp: ExperimentRow,
): Promise<Body> {
  assertExperimentActive(exp);
  await upsertExperimentTag(ctx.db, exp.id, { key, value }, nowOf(ctx));
  return {};
}

export async function deleteExperimentTag(
  ctx: TrackingContext,
  { key }: Input<typeof experiments.deleteTag>,
  exp: ExperimentRow,
): Promise<Body> {
  assertExperimentActive(exp);
  if (!(await experimentTagRows.remove(ctx.db, { experimentId: exp.id }, key)))
    throw doesNotExist(`No tag with name: ${key} in experiment with id ${exp.id}`);
  return {};
}
