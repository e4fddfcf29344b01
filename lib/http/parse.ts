import type { z } from "zod";
import { ApiError, badRequest } from "./api-error";
import { BodyTooLarge, MAX_JSON_BODY_BYTES, readBodyText } from "./body";
import { describeInputProblem, findInputProblemInJson, findNulInPairs, type InputProblem } from "./input-guard";

const TYPE_NAMES: Record<string, string> = {
  object: "an object",
  array: "an array",
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
};

/**
 * What a form calls its fields, by path ("limits.maxCpu": "CPU per server"), so a refusal reads as a
 * sentence about the form: "CPU per server must be more than 0." A field without a label is named by
 * its path in quotes, for API callers.
 */
export type FieldLabels = Readonly<Record<string, string>>;

/** zod's own messages ("Too small: expected number to be >0"); anything else was written for people. */
const ZOD_DEFAULT = /^(Invalid|Too (small|big)|Unrecognized)\b/;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;
const list = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(", ");

function sizeWord(origin: string, n: number): string {
  if (origin === "string") return plural(n, "character");
  if (origin === "array" || origin === "set") return plural(n, "item");
  return String(n);
}

/** The predicate of the sentence: "must be more than 0", "is required". */
function predicate(issue: z.core.$ZodIssue): string {
  if (!ZOD_DEFAULT.test(issue.message)) return issue.message.replace(/^[A-Z]/, (c) => c.toLowerCase()).replace(/\.$/, "");
  switch (issue.code) {
    case "invalid_type":
      if (/received undefined$/.test(issue.message)) return "is required";
      return `must be ${TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`}`;
    case "too_small": {
      const n = Number(issue.minimum);
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint")
        return issue.inclusive ? `must be at least ${n}` : `must be more than ${n}`;
      if (n === 1 && issue.inclusive) return issue.origin === "string" ? "must not be empty" : "must have at least one item";
      return `must have at least ${sizeWord(issue.origin, issue.inclusive ? n : n + 1)}`;
    }
    case "too_big": {
      const n = Number(issue.maximum);
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint")
        return issue.inclusive ? `must be at most ${n}` : `must be less than ${n}`;
      return `must have at most ${sizeWord(issue.origin, issue.inclusive ? n : n - 1)}`;
    }
    case "invalid_value":
      return issue.values.length === 1 ? `must be ${list(issue.values)}` : `must be one of ${list(issue.values)}`;
    case "invalid_format":
      if (issue.format === "email") return "must be an email address";
      if (issue.format === "url") return "must be a URL";
      if (issue.format === "datetime") return "must be a date and time such as 2026-01-05T14:03";
      return "is not in the expected format";
    case "not_multiple_of":
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return "is not valid";
  }
}

/** The label of a path; an item of a list field is "<label> (item 2)". */
function labelOf(path: readonly PropertyKey[], labels: FieldLabels): string | undefined {
  const exact = labels[path.map(String).join(".")];
  if (exact !== undefined) return exact;
  const last = path.at(-1);
  if (typeof last !== "number") return undefined;
  const parent = labels[path.slice(0, -1).map(String).join(".")];
  return parent === undefined ? undefined : `${parent} (item ${last + 1})`;
}

/** One sentence naming the first field that is wrong, in the form's words when `labels` names it. */
export function describeZodError(error: z.ZodError, labels: FieldLabels = {}): string {
  const issue = error.issues[0];
  if (!issue) return "The request is invalid.";
  if (issue.code === "unrecognized_keys") return `Unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}.`;
  const path = issue.path.map(String).join(".");
  const where = labelOf(issue.path, labels) ?? (path ? `"${path}"` : "The request body");
  const what = issue.code === "invalid_type" && !path ? `must be ${TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`}` : predicate(issue);
  return `${where.replace(/^[a-z]/, (c) => c.toUpperCase())} ${what}.`;
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, code = "invalid_request", labels?: FieldLabels): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(code, describeZodError(result.error, labels));
  return result.data;
}

/** A NUL character or over-deep nesting anywhere in the input: a 400 before any schema or query sees it. */
export function assertCleanInput(problem: InputProblem | undefined, code = "invalid_request"): void {
  if (problem) throw badRequest(code, describeInputProblem(problem));
}

/** Reads at most MAX_JSON_BODY_BYTES (a 413 as soon as the body passes it), parses and validates. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S, labels?: FieldLabels): Promise<z.output<S>> {
  const type = req.headers.get("content-type") ?? "";
  if (type && !type.includes("json")) throw new ApiError(415, "unsupported_media_type", "Send the body as application/json.");
  let text: string;
  try {
    text = await readBodyText(req, MAX_JSON_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLarge) throw new ApiError(413, "body_too_large", err.message);
    throw err;
  }
  let value: unknown;
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw badRequest("invalid_json", "The request body is not valid JSON.");
  }
  assertCleanInput(findInputProblemInJson(text, value));
  return parseWith(schema, value, "invalid_request", labels);
}

export function readQuery<S extends z.ZodType>(req: Request, schema: S, labels?: FieldLabels): z.output<S> {
  const entries = [...new URL(req.url).searchParams.entries()];
  assertCleanInput(findNulInPairs(entries));
  return parseWith(schema, Object.fromEntries(entries), "invalid_request", labels);
}
