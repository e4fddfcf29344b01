/** The portal's own experiment and run routes (app/api/experiments/**, app/api/runs/**): their params and bodies. */
import { z } from "zod";

export const runParams = z.object({ id: z.string().regex(/^[0-9a-f]{32}$/, "is not a run ID") });
export const experimentParams = z.object({ id: z.string().regex(/^\d{1,15}$/, "is not an experiment ID") });

export const registerFromRunSchema = z.object({
  name: z.string().trim().min(1, "is required").max(256),
  /** The model's folder in the run, as in `runs:/<run>/<path>`. */
  path: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, "must be a folder inside the run, like model")
    .max(256)
    .default("model"),
});

export const registerLabels = { name: "Model name", path: "Model path" } as const;

/** At most this many tags change in one edit: a form's worth, and a bound on one transaction. */
const MAX_TAGS_PER_EDIT = 100;
const tag = z.object({ key: z.string().min(1).max(250), value: z.string().max(8000) });

export const editRunSchema = z.object({
  name: z.string().trim().min(1, "cannot be empty").max(250).optional(),
  description: z.string().max(8000).optional(),
  setTags: z.array(tag).max(MAX_TAGS_PER_EDIT).optional(),
  deleteTags: z.array(z.string().min(1).max(250)).max(MAX_TAGS_PER_EDIT).optional(),
});

export const editRunLabels = { name: "Run name", description: "Description", setTags: "Tags", deleteTags: "Removed tags" } as const;

/** The most metric and param keys one request reads (the charts use a handful). */
const MAX_CHART_KEYS = 20;
const keyList = z
  .string()
  .max(4000)
  .default("")
  .transform((s) => (s === "" ? [] : s.split(",")))
  .pipe(z.array(z.string().min(1).max(250)).max(MAX_CHART_KEYS, `can name at most ${MAX_CHART_KEYS} keys`));

/** GET /api/experiments/<id>/chart?filter=…&sort=…&desc=1&metrics=a,b&params=c: the runs table's filter and order. */
export const chartQuerySchema = z.object({
  filter: z.string().max(20_000).default(""),
  sort: z.string().max(500).optional(),
  desc: z.enum(["0", "1"]).optional(),
  metrics: keyList,
  params: keyList,
});

export const chartLabels = { filter: "Filter", sort: "Sort", metrics: "Metrics", params: "Params" } as const;
