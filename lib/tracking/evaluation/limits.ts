/**
 * The bounds of GenAI evaluation storage (README, security section): each refusal is MLflow's
 * RESOURCE_EXHAUSTED with a sentence saying which bound was hit and what to do.
 */
import { TrackingError } from "../errors";

/** Records one dataset keeps. */
export const MAX_DATASET_RECORDS = 10_000;
/** Bytes of record JSON (inputs, outputs, expectations, tags, source) one dataset keeps. */
export const MAX_DATASET_BYTES = 32 * 1024 * 1024;
/** Datasets linked to one experiment. */
export const MAX_DATASETS_PER_EXPERIMENT = 500;
/** Records one GetDatasetRecords page and one SearchEvaluationDatasets page return at most (MLflow's default and cap, 1000). */
export const MAX_PAGE = 1000;
/** Bytes of one serialized scorer. */
export const MAX_SCORER_BYTES = 64 * 1024;
/** Scorer names per experiment, and versions per name. */
export const MAX_SCORERS_PER_EXPERIMENT = 200;
export const MAX_SCORER_VERSIONS = 100;

export const exhausted = (message: string) => new TrackingError("RESOURCE_EXHAUSTED", message);
