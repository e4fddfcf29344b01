import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createUserSchema, listUsersQuerySchema, patchUserSchema } from "@/lib/users/schemas";
import { describeZodError, parseWith, readJson, readQuery } from "./parse";
import { apiError } from "./testing";

function zodError(schema: z.ZodType, value: unknown): z.ZodError {
  const r = schema.safeParse(value);
  if (r.success) throw new Error("expected a validation error");
  return r.error;
}

function post(body: string | undefined, contentType?: string): Request {
  const headers = new Headers();
  if (contentType !== undefined) headers.set("content-type", contentType);
  return new Request("http://atrium.test/api/x", { method: "POST", body, headers });
}

describe("describeZodError", () => {
  it("names a missing field, and a wrong one with its expected type", () => {
    expect(describeZodError(zodError(z.object({ name: z.string() }), {}))).toBe('"name" is required.');
    expect(describeZodError(zodError(z.object({ n: z.number() }), { n: "1" }))).toBe('"n" must be a number.');
  });

  it("joins nested paths with dots", () => {
    expect(describeZodError(zodError(z.object({ a: z.object({ b: z.boolean() }) }), { a: { b: 1 } }))).toBe('"a.b" must be true or false.');
  });

  it("speaks of the request body when the root is wrong", () => {
    expect(describeZodError(zodError(z.object({}), "x"))).toBe("The request body must be an object.");
    expect(describeZodError(zodError(z.object({}), null))).toBe("The request body must be an object.");
  });

  it("lists unknown fields", () => {
    expect(describeZodError(zodError(z.strictObject({ a: z.string() }), { a: "x", b: 1, c: 2 }))).toBe('Unknown field "b", "c".');
  });

  it("lower-cases the first letter of a custom message and ends with exactly one full stop", () => {
    const schema = z.object({ x: z.string().refine(() => false, { message: "Must be nice." }) });
    expect(describeZodError(zodError(schema, { x: "y" }))).toBe('"x" must be nice.');
  });

  it("describes the app's own schemas in one sentence", () => {
    expect(describeZodError(zodError(createUserSchema, { name: "Bad Name" }))).toBe(
      `"name" must be lower-case letters, digits, '.', '_' or '-', starting with a letter or digit (at most 63 characters).`,
    );
    expect(describeZodError(zodError(patchUserSchema, { limits: { maxCpu: -1 } }))).toBe('"limits.maxCpu" must be more than 0.');
    expect(describeZodError(zodError(patchUserSchema, { role: "admin", extra: true }))).toBe('Unknown field "extra".');
  });

  it("speaks of the form's fields by their labels, in sentences without zod's words", () => {
    const labels = { "limits.maxCpu": "CPU per server", "limits.maxServers": "Servers", name: "name" };
    const say = (schema: z.ZodType, value: unknown) => describeZodError(zodError(schema, value), labels);
    expect(say(patchUserSchema, { limits: { maxCpu: 0 } })).toBe("CPU per server must be more than 0.");
    expect(say(patchUserSchema, { limits: { maxCpu: 600 } })).toBe("CPU per server must be at most 512.");
    expect(say(patchUserSchema, { limits: { maxServers: 1.5 } })).toBe("Servers must be an integer.");
    expect(say(z.object({ name: z.string() }), {})).toBe("Name is required.");
    expect(say(z.object({ name: z.string().min(1) }), { name: "" })).toBe("Name must not be empty.");
    expect(say(z.object({ name: z.string().max(3) }), { name: "abcd" })).toBe("Name must have at most 3 characters.");
    expect(say(z.object({ name: z.string().regex(/^a$/) }), { name: "b" })).toBe("Name is not in the expected format.");
    expect(say(z.object({ name: z.literal("a") }), { name: "b" })).toBe('Name must be "a".');
    expect(say(z.object({ name: z.array(z.string()).min(1) }), { name: [] })).toBe("Name must have at least one item.");
    expect(say(z.object({ name: z.number().multipleOf(0.25) }), { name: 0.3 })).toBe("Name must be a multiple of 0.25.");
    expect(
      describeZodError(zodError(z.object({ lines: z.array(z.string().max(2)) }), { lines: ["ok", "long"] }), { lines: "Command" }),
    ).toBe("Command (item 2) must have at most 2 characters.");
    for (const value of [{ limits: { maxCpu: -1 } }, { limits: { maxServers: "x" } }])
      expect(say(patchUserSchema, value)).not.toMatch(/expected|Too small|Invalid|[<>]=?\d/);
  });

  it("gives a sentence for an error without issues", () => {
    expect(describeZodError(new z.ZodError([]))).toBe("The request is invalid.");
  });

  it("always gives one sentence ending in a full stop", () => {
    const errors = [
      zodError(z.object({ a: z.string().min(3) }), { a: "x" }),
      zodError(z.object({ a: z.enum(["x", "y"]) }), { a: "z" }),
      zodError(z.object({ a: z.string().email() }), { a: "nope" }),
    ];
    expect(errors.map((e) => describeZodError(e))).toEqual([
      '"a" must have at least 3 characters.',
      '"a" must be one of "x", "y".',
      '"a" must be an email address.',
    ]);
    for (const e of errors) expect(describeZodError(e)).toMatch(/^[^\n]*[^.]\.$/);
  });

  it("calls a wrong type on a plain field by its type", () => {
    expect(describeZodError(zodError(z.object({ n: z.number().int() }), { n: "3" }))).toBe('"n" must be a number.');
  });

  it("uses 'an' before array", () => {
    expect(describeZodError(zodError(z.object({ tags: z.array(z.string()) }), { tags: "x" }))).toBe('"tags" must be an array.');
  });

  it("describes a non-integer for an int field correctly", () => {
    expect(describeZodError(zodError(patchUserSchema, { limits: { maxServers: 1.5 } }))).toBe('"limits.maxServers" must be an integer.');
  });
});

describe("parseWith", () => {
  it("returns the parsed value", () => {
    expect(parseWith(listUsersQuerySchema, { limit: "10" })).toEqual({ offset: 0, limit: 10 });
  });

  it("throws a 400 with the given code and the described error", async () => {
    const err = await apiError(() => parseWith(z.object({ name: z.string() }), {}, "invalid_path"));
    expect(err.status).toBe(400);
    expect(err.code).toBe("invalid_path");
    expect(err.message).toBe('"name" is required.');
    const def = await apiError(() => parseWith(z.object({ name: z.string() }), {}));
    expect(def.code).toBe("invalid_request");
  });
});

describe("readJson", () => {
  const schema = z.strictObject({ a: z.string().optional() });

  it("parses and validates a JSON body", async () => {
    await expect(readJson(post('{"a":"x"}', "application/json"), schema)).resolves.toEqual({ a: "x" });
    await expect(readJson(post('{"a":"x"}', "application/json; charset=utf-8"), schema)).resolves.toEqual({ a: "x" });
  });

  it("accepts a body without a content type", async () => {
    const req = new Request("http://atrium.test/api/x", { method: "POST", body: new Blob(['{"a":"y"}']) });
    expect(req.headers.get("content-type")).toBeNull();
    await expect(readJson(req, schema)).resolves.toEqual({ a: "y" });
  });

  it("treats an empty body as {}", async () => {
    await expect(readJson(post(undefined, "application/json"), schema)).resolves.toEqual({});
    await expect(readJson(post("", "application/json"), schema)).resolves.toEqual({});
    await expect(readJson(post("  \n ", "application/json"), schema)).resolves.toEqual({});
    await expect(readJson(new Request("http://atrium.test/api/x", { method: "POST" }), schema)).resolves.toEqual({});
  });

  it("rejects invalid JSON with 400 invalid_json", async () => {
    const err = await apiError(readJson(post("{bad", "application/json"), schema));
    expect(err.status).toBe(400);
    expect(err.code).toBe("invalid_json");
    expect(err.message).toBe("The request body is not valid JSON.");
  });

  it("rejects a non-JSON content type with 415", async () => {
    const err = await apiError(readJson(post('{"a":"x"}', "text/plain"), schema));
    expect(err.status).toBe(415);
    expect(err.code).toBe("unsupported_media_type");
    expect(err.message).toBe("Send the body as application/json.");
    const form = await apiError(readJson(post("a=x", "application/x-www-form-urlencoded"), schema));
    expect(form.status).toBe(415);
  });

  it("rejects a body the schema refuses with 400 invalid_request", async () => {
    const err = await apiError(readJson(post('{"a":1}', "application/json"), schema));
    expect(err.status).toBe(400);
    expect(err.code).toBe("invalid_request");
    expect(err.message).toBe('"a" must be a string.');
    const unknown = await apiError(readJson(post('{"b":1}', "application/json"), schema));
    expect(unknown.message).toBe('Unknown field "b".');
    const notObject = await apiError(readJson(post("[1]", "application/json"), schema));
    expect(notObject.message).toBe("The request body must be an object.");
  });
});

describe("readQuery", () => {
  it("parses the query string", () => {
    expect(readQuery(new Request("http://atrium.test/api/users?q=jo&offset=5&limit=20"), listUsersQuerySchema)).toEqual({
      q: "jo",
      offset: 5,
      limit: 20,
    });
  });

  it("rejects a bad value with 400", async () => {
    const err = await apiError(() => readQuery(new Request("http://atrium.test/api/users?limit=0"), listUsersQuerySchema));
    expect(err.status).toBe(400);
    expect(err.code).toBe("invalid_request");
    expect(err.message).toBe('"limit" must be at least 1.');
  });
});

describe("input every route gets checked for", () => {
  const anything = z.unknown();

  it("refuses a NUL in any string or field name of a JSON body, with the field named", async () => {
    const nested = await apiError(readJson(post(JSON.stringify({ tags: [{ key: "a\u0000b" }] }), "application/json"), anything));
    expect([nested.status, nested.code, nested.message]).toEqual([
      400,
      "invalid_request",
      '"tags.0.key" contains a NUL character (\\u0000), which text may not contain.',
    ]);
    const key = await apiError(readJson(post('{"a\\u0000":1}', "application/json"), anything));
    expect(key.message).toBe("A field name in the request body contains a NUL character (\\u0000), which text may not contain.");
  });

  it("refuses JSON nested deeper than 64 levels without walking it recursively", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const err = await apiError(readJson(post(deep, "application/json"), anything));
    expect([err.status, err.message]).toEqual([400, `"${Array(64).fill(0).join(".")}" is nested more than 64 levels deep.`]);
  });

  it("answers 413 for a body over 1 MiB", async () => {
    const err = await apiError(readJson(post(JSON.stringify({ note: "x".repeat(1024 * 1024) }), "application/json"), anything));
    expect([err.status, err.code, err.message]).toEqual([413, "body_too_large", "The request body is larger than the 1 MiB limit."]);
  });

  it("refuses a NUL in a query parameter", async () => {
    const err = await apiError(() => readQuery(new Request("http://atrium.test/api/users?q=a%00b"), listUsersQuerySchema));
    expect([err.status, err.message]).toEqual([400, '"q" contains a NUL character (\\u0000), which text may not contain.']);
  });
});
