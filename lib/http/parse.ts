import type { z } from "zod";
import { ApiError, badRequest } from "./api-error";

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

export async function readJson<S extends z.ZodType>(req: Request, schema: S): Promise<z.output<S>> {
  const type = req.headers.get("content-type") ?? "";
  if (type && !type.includes("json")) throw new ApiError(415, "unsupported_media_type", "Send the body as application/json.");
  const text = await req.text();
  let value: unknown;
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw badRequest("invalid_json", "The request body is not valid JSON.");
  }
  return parseWith(schema, value);
}

export function readQuery<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  const params = Object.fromEntries(new URL(req.url).searchParams.entries());
  return parseWith(schema, params);
}
