import type { z } from "zod";
import { ApiError, badRequest } from "./api-error";
import { BodyTooLarge, MAX_JSON_BODY_BYTES, readBodyText } from "./body";
import { describeInputProblem, findInputProblem, findNulInPairs, type InputProblem } from "./input-guard";

const TYPE_NAMES: Record<string, string> = {
  object: "an object",
  array: "an array",
  int: "an integer",
  number: "a number",
  string: "a string",
  boolean: "true or false",
};

/** One sentence naming the first field that is wrong. */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "The request is invalid.";
  const where = issue.path.length ? `"${issue.path.join(".")}"` : "The request body";
  let what = issue.message;
  if (issue.code === "invalid_type") what = `must be ${TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`}`;
  if (issue.code === "unrecognized_keys") return `Unknown field ${issue.keys.map((k) => `"${k}"`).join(", ")}.`;
  return `${where} ${what.replace(/^[A-Z]/, (c) => c.toLowerCase()).replace(/\.$/, "")}.`;
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, code = "invalid_request"): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badRequest(code, describeZodError(result.error));
  return result.data;
}

/** A NUL character or over-deep nesting anywhere in the input: a 400 before any schema or query sees it. */
export function assertCleanInput(problem: InputProblem | undefined, code = "invalid_request"): void {
  if (problem) throw badRequest(code, describeInputProblem(problem));
}

/** Reads at most MAX_JSON_BODY_BYTES (a 413 as soon as the body passes it), parses and validates. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
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
  assertCleanInput(findInputProblem(value));
  return parseWith(schema, value);
}

export function readQuery<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  const entries = [...new URL(req.url).searchParams.entries()];
  assertCleanInput(findNulInPairs(entries));
  return parseWith(schema, Object.fromEntries(entries));
}
