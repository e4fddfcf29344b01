import { describe, it, expect } from "vitest";
import { FilterSyntaxError } from "./lexer";
import { MAX_FILTER_DEPTH, parseFilter } from "./parse-filter";
import type { FilterComparison, FilterEntity, FilterNode, FilterOp, FilterValue } from "./types";

function cmp(entity: FilterEntity, key: string, op: FilterOp, value: FilterValue): FilterComparison {
  return { kind: "cmp", entity, key, op, value };
}
const metric = (key: string, op: FilterOp, value: FilterValue) => cmp("metric", key, op, value);
const param = (key: string, op: FilterOp, value: FilterValue) => cmp("param", key, op, value);
const tag = (key: string, op: FilterOp, value: FilterValue) => cmp("tag", key, op, value);
const attr = (key: string, op: FilterOp, value: FilterValue) => cmp("attribute", key, op, value);
const dataset = (key: string, op: FilterOp, value: FilterValue) => cmp("dataset", key, op, value);
const and = (...items: FilterNode[]): FilterNode => ({ kind: "and", items });
const or = (...items: FilterNode[]): FilterNode => ({ kind: "or", items });

/**
 * Assert that parsing `input` throws a FilterSyntaxError at `position`, with a
 * one-sentence message that names that position (and contains `fragment`).
 */
function expectError(input: string, position: number, fragment?: string): FilterSyntaxError {
  let caught: unknown;
  try {
    parseFilter(input);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FilterSyntaxError);
  expect(caught).toBeInstanceOf(Error);
  const err = caught as FilterSyntaxError;
  expect(err.name).toBe("FilterSyntaxError");
  expect(err.position).toBe(position);
  expect(err.message).toMatch(/^Invalid filter at position \d+: [^\n]+\.$/);
  expect(err.message).toContain(`at position ${position}:`);
  if (fragment !== undefined) expect(err.message).toContain(fragment);
  return err;
}

describe("parseFilter: empty input", () => {
  it.each(["", " ", "   ", "\n\t  \r\n"])("returns null for %j", (input) => {
    expect(parseFilter(input)).toBeNull();
  });
});

describe("parseFilter: comparisons", () => {
  it("returns a single comparison unwrapped", () => {
    expect(parseFilter("metrics.acc > 0.5")).toStrictEqual(metric("acc", ">", 0.5));
  });

  it("parses the MLflow conformance example", () => {
    expect(parseFilter("metrics.acc > 0.5 and params.lr = '0.1'")).toStrictEqual(and(metric("acc", ">", 0.5), param("lr", "=", "0.1")));
  });

  it.each<[string, FilterOp]>([
    ["metrics.m = 1", "="],
    ["metrics.m != 1", "!="],
    ["metrics.m < 1", "<"],
    ["metrics.m <= 1", "<="],
    ["metrics.m > 1", ">"],
    ["metrics.m >= 1", ">="],
  ])("metric operator: %s", (input, op) => {
    expect(parseFilter(input)).toStrictEqual(metric("m", op, 1));
  });

  it.each<[string, FilterNode]>([
    ["params.p = 'v'", param("p", "=", "v")],
    ["params.p != 'v'", param("p", "!=", "v")],
    ["params.p LIKE 'v%'", param("p", "LIKE", "v%")],
    ["params.p ILIKE '%V_'", param("p", "ILIKE", "%V_")],
    ["tags.t = 'v'", tag("t", "=", "v")],
    ["tags.t != 'v'", tag("t", "!=", "v")],
    ["tags.t LIKE 'v%'", tag("t", "LIKE", "v%")],
    ["tags.t ILIKE 'v%'", tag("t", "ILIKE", "v%")],
    ["run_name = 'r'", attr("run_name", "=", "r")],
    ["status != 'FAILED'", attr("status", "!=", "FAILED")],
    ["user_id LIKE 'a%'", attr("user_id", "LIKE", "a%")],
    ["artifact_uri ILIKE 's3://%'", attr("artifact_uri", "ILIKE", "s3://%")],
    ["datasets.name = 'iris'", dataset("name", "=", "iris")],
    ["datasets.digest != 'abc'", dataset("digest", "!=", "abc")],
    ["datasets.context LIKE 'train%'", dataset("context", "LIKE", "train%")],
  ])("string operator: %s", (input, expected) => {
    expect(parseFilter(input)).toStrictEqual(expected);
  });

  it.each<[string, FilterNode]>([
    ["start_time > 1700000000000", attr("start_time", ">", 1700000000000)],
    ["end_time <= 5", attr("end_time", "<=", 5)],
    ["attributes.start_time != 0", attr("start_time", "!=", 0)],
    ["start_time >= 1e3", attr("start_time", ">=", 1000)],
    ["end_time = -1", attr("end_time", "=", -1)],
  ])("numeric attribute: %s", (input, expected) => {
    expect(parseFilter(input)).toStrictEqual(expected);
  });
});

describe("parseFilter: identifiers", () => {
  it.each<[string, FilterNode]>([
    ["metric.a > 1", metric("a", ">", 1)],
    ["metrics.a > 1", metric("a", ">", 1)],
    ["param.a = 'x'", param("a", "=", "x")],
    ["params.a = 'x'", param("a", "=", "x")],
    ["parameter.a = 'x'", param("a", "=", "x")],
    ["parameters.a = 'x'", param("a", "=", "x")],
    ["tag.a = 'x'", tag("a", "=", "x")],
    ["tags.a = 'x'", tag("a", "=", "x")],
    ["attribute.status = 'x'", attr("status", "=", "x")],
    ["attributes.status = 'x'", attr("status", "=", "x")],
    ["attr.status = 'x'", attr("status", "=", "x")],
    ["run.status = 'x'", attr("status", "=", "x")],
    ["dataset.name = 'x'", dataset("name", "=", "x")],
    ["datasets.name = 'x'", dataset("name", "=", "x")],
  ])("entity prefix: %s", (input, expected) => {
    expect(parseFilter(input)).toStrictEqual(expected);
  });

  it.each<[string, string]>([
    ["run_id = 'x'", "run_id"],
    ["run_name = 'x'", "run_name"],
    ["status = 'x'", "status"],
    ["user_id = 'x'", "user_id"],
    ["artifact_uri = 'x'", "artifact_uri"],
    ["lifecycle_stage = 'x'", "lifecycle_stage"],
    ["attributes.run_name = 'x'", "run_name"],
    ["`run name` = 'x'", "run_name"],
    ["\"run name\" = 'x'", "run_name"],
    ["\"Run name\" = 'x'", "run_name"],
    ["attributes.`Run Name` = 'x'", "run_name"],
    ["attributes.\"run name\" = 'x'", "run_name"],
  ])("string attribute: %s", (input, key) => {
    expect(parseFilter(input)).toStrictEqual(attr(key, "=", "x"));
  });

  it.each<[string, string]>([
    ["start_time > 1", "start_time"],
    ["end_time > 1", "end_time"],
    ["created > 1", "start_time"],
    ["Created > 1", "start_time"],
    ["attributes.created > 1", "start_time"],
    ["attr.end_time > 1", "end_time"],
  ])("numeric attribute name: %s", (input, key) => {
    expect(parseFilter(input)).toStrictEqual(attr(key, ">", 1));
  });

  it.each<[string, FilterNode]>([
    ["metrics.`my metric` > 1", metric("my metric", ">", 1)],
    ['metrics."my metric" > 1', metric("my metric", ">", 1)],
    ["tags.`mlflow.runName` = 'x'", tag("mlflow.runName", "=", "x")],
    ["tags.\"mlflow.runName\" = 'x'", tag("mlflow.runName", "=", "x")],
    ["tags.mlflow.runName = 'x'", tag("mlflow.runName", "=", "x")],
    ["tags.mlflow.source.type = 'LOCAL'", tag("mlflow.source.type", "=", "LOCAL")],
    ["`metrics`.acc > 1", metric("acc", ">", 1)],
    ["metrics.`a``b` > 1", metric("a`b", ">", 1)],
    ['params."say ""hi""" = \'x\'', param('say "hi"', "=", "x")],
    ["metrics.`a-b (c)` > 1", metric("a-b (c)", ">", 1)],
    ["metrics.train/loss < 0.1", metric("train/loss", "<", 0.1)],
    ["metrics.val-loss < 0.1", metric("val-loss", "<", 0.1)],
    ["metrics.2nd_pass > 0", metric("2nd_pass", ">", 0)],
    ["params.größe = 'x'", param("größe", "=", "x")],
    ["metrics.and > 1", metric("and", ">", 1)],
    ["params.in = 'x'", param("in", "=", "x")],
    ["tags.`OR` = 'x'", tag("OR", "=", "x")],
  ])("key quoting: %s", (input, expected) => {
    expect(parseFilter(input)).toStrictEqual(expected);
  });
});

describe("parseFilter: values", () => {
  it.each<[string, number]>([
    ["0", 0],
    ["1", 1],
    ["-1", -1],
    ["0.5", 0.5],
    [".5", 0.5],
    ["-.5", -0.5],
    ["1.", 1],
    ["-1.5e-3", -0.0015],
    ["2E+10", 2e10],
    ["3e2", 300],
    ["12345678901234", 12345678901234],
  ])("number %s", (literal, value) => {
    expect(parseFilter(`metrics.m >= ${literal}`)).toStrictEqual(metric("m", ">=", value));
  });

  it("parses numbers without surrounding whitespace", () => {
    expect(parseFilter("metrics.m>-1.5e-3")).toStrictEqual(metric("m", ">", -0.0015));
  });

  it.each<[string, string]>([
    ["'abc'", "abc"],
    ['"abc"', "abc"],
    ["''", ""],
    ['""', ""],
    ["'it''s'", "it's"],
    ["'it\\'s'", "it's"],
    ['"say ""hi"""', 'say "hi"'],
    ['"it\'s"', "it's"],
    ["'say \"hi\"'", 'say "hi"'],
    ["'back\\\\slash'", "back\\slash"],
    ["'100\\%'", "100\\%"],
    ["'a AND b OR (c) = d'", "a AND b OR (c) = d"],
    ["'  spaced  '", "  spaced  "],
    ["'ünïcödé ✓'", "ünïcödé ✓"],
  ])("string %s", (literal, value) => {
    expect(parseFilter(`params.p = ${literal}`)).toStrictEqual(param("p", "=", value));
  });
});

describe("parseFilter: IN / NOT IN", () => {
  it.each<[string, FilterNode]>([
    ["run_id IN ('a', 'b')", attr("run_id", "IN", ["a", "b"])],
    ["attributes.run_id IN ('a')", attr("run_id", "IN", ["a"])],
    ["run_id NOT IN ('a', \"b\")", attr("run_id", "NOT IN", ["a", "b"])],
    ["run_id in ('a')", attr("run_id", "IN", ["a"])],
    ["run_id Not In ('a')", attr("run_id", "NOT IN", ["a"])],
    ["run_id IN('a','b','a')", attr("run_id", "IN", ["a", "b", "a"])],
    ["run_id IN ( 'a' , 'b' )", attr("run_id", "IN", ["a", "b"])],
    ["datasets.name IN ('iris', 'mnist')", dataset("name", "IN", ["iris", "mnist"])],
    ["datasets.digest NOT IN ('x')", dataset("digest", "NOT IN", ["x"])],
    ["datasets.context IN ('train')", dataset("context", "IN", ["train"])],
    // Extension: IN on every string field.
    ["params.opt IN ('adam', 'sgd')", param("opt", "IN", ["adam", "sgd"])],
    ["tags.team NOT IN ('a')", tag("team", "NOT IN", ["a"])],
    ["status IN ('RUNNING', 'FAILED')", attr("status", "IN", ["RUNNING", "FAILED"])],
    ["run_name IN ('')", attr("run_name", "IN", [""])],
  ])("%s", (input, expected) => {
    expect(parseFilter(input)).toStrictEqual(expected);
  });
});

describe("parseFilter: IS NULL / IS NOT NULL", () => {
  it.each<[string, FilterNode]>([
    ["metrics.acc IS NULL", metric("acc", "IS NULL", null)],
    ["metrics.acc IS NOT NULL", metric("acc", "IS NOT NULL", null)],
    ["params.lr is null", param("lr", "IS NULL", null)],
    ["tags.x Is Not Null", tag("x", "IS NOT NULL", null)],
    ["end_time IS NULL", attr("end_time", "IS NULL", null)],
    ["run_name IS NOT NULL", attr("run_name", "IS NOT NULL", null)],
    ["datasets.name IS NULL", dataset("name", "IS NULL", null)],
  ])("%s", (input, expected) => {
    expect(parseFilter(input)).toStrictEqual(expected);
  });

  it("combines with other clauses", () => {
    expect(parseFilter("end_time IS NULL AND metrics.acc IS NOT NULL")).toStrictEqual(
      and(attr("end_time", "IS NULL", null), metric("acc", "IS NOT NULL", null)),
    );
  });
});

describe("parseFilter: AND / OR / parentheses", () => {
  const a = metric("a", ">", 1);
  const b = metric("b", ">", 2);
  const c = metric("c", ">", 3);
  const d = metric("d", ">", 4);
  const e = metric("e", ">", 5);

  it.each<[string, FilterNode]>([
    ["metrics.a > 1 AND metrics.b > 2", and(a, b)],
    ["metrics.a > 1 and metrics.b > 2", and(a, b)],
    ["metrics.a > 1 AnD metrics.b > 2", and(a, b)],
    ["metrics.a > 1 OR metrics.b > 2", or(a, b)],
    ["metrics.a > 1 or metrics.b > 2", or(a, b)],
    ["metrics.a > 1 oR metrics.b > 2", or(a, b)],
  ])("case-insensitive conjunctions: %s", (input, expected) => {
    expect(parseFilter(input)).toStrictEqual(expected);
  });

  it("AND binds tighter than OR (OR first)", () => {
    expect(parseFilter("metrics.a > 1 OR metrics.b > 2 AND metrics.c > 3")).toStrictEqual(or(a, and(b, c)));
  });

  it("AND binds tighter than OR (AND first)", () => {
    expect(parseFilter("metrics.a > 1 AND metrics.b > 2 OR metrics.c > 3")).toStrictEqual(or(and(a, b), c));
  });

  it("parentheses override precedence", () => {
    expect(parseFilter("(metrics.a > 1 OR metrics.b > 2) AND metrics.c > 3")).toStrictEqual(and(or(a, b), c));
    expect(parseFilter("metrics.a > 1 AND (metrics.b > 2 OR metrics.c > 3)")).toStrictEqual(and(a, or(b, c)));
  });

  it("flattens chains and same-kind nesting", () => {
    expect(parseFilter("metrics.a > 1 AND metrics.b > 2 AND metrics.c > 3")).toStrictEqual(and(a, b, c));
    expect(parseFilter("metrics.a > 1 AND (metrics.b > 2 AND metrics.c > 3)")).toStrictEqual(and(a, b, c));
    expect(parseFilter("(metrics.a > 1 OR metrics.b > 2) OR metrics.c > 3")).toStrictEqual(or(a, b, c));
    expect(parseFilter("metrics.a > 1 OR metrics.b > 2 AND metrics.c > 3 OR metrics.d > 4")).toStrictEqual(or(a, and(b, c), d));
  });

  it("unwraps redundant parentheses", () => {
    expect(parseFilter("(metrics.a > 1)")).toStrictEqual(a);
    expect(parseFilter("((((metrics.a > 1))))")).toStrictEqual(a);
    expect(parseFilter("((metrics.a > 1) AND (metrics.b > 2))")).toStrictEqual(and(a, b));
  });

  it("parses nested parentheses", () => {
    expect(parseFilter("((metrics.a > 1 OR metrics.b > 2) AND (metrics.c > 3 OR (metrics.d > 4 AND metrics.e > 5)))")).toStrictEqual(
      and(or(a, b), or(c, and(d, e))),
    );
  });

  it("mixes entities, operators and quoting", () => {
    expect(parseFilter("metrics.acc > 0.5 OR (tags.`mlflow.runName` LIKE 'a%' AND run_name = \"x\") OR run_id IN ('r1')")).toStrictEqual(
      or(metric("acc", ">", 0.5), and(tag("mlflow.runName", "LIKE", "a%"), attr("run_name", "=", "x")), attr("run_id", "IN", ["r1"])),
    );
  });

  it("needs no whitespace around punctuation", () => {
    expect(parseFilter("metrics.a>1 AND(params.b='x'OR tags.c!=\"y\")")).toStrictEqual(
      and(a, or(param("b", "=", "x"), tag("c", "!=", "y"))),
    );
  });

  it("accepts any whitespace between tokens", () => {
    expect(parseFilter("\n  metrics.a\t>\n1\r\nAND\tmetrics.b > 2  ")).toStrictEqual(and(a, b));
  });

  it(`accepts ${MAX_FILTER_DEPTH} levels of parentheses`, () => {
    const input = `${"(".repeat(MAX_FILTER_DEPTH)}metrics.a > 1${")".repeat(MAX_FILTER_DEPTH)}`;
    expect(parseFilter(input)).toStrictEqual(a);
  });
});

describe("parseFilter: errors", () => {
  it("uses the example message format", () => {
    const err = expectError("metrics.acc > 1 and metrics.acc foo", 32);
    expect(err.message).toBe('Invalid filter at position 32: expected a comparison operator after "metrics.acc", found "foo".');
  });

  it.each<[string, number, string]>([
    // Strings and quoting.
    ["tags.x = 'abc", 9, "missing its closing ' quote"],
    ['tags.x = "abc', 9, 'missing its closing " quote'],
    ["tags.x = 'it''s", 9, "closing ' quote"],
    ["metrics.`acc > 1", 8, "missing its closing ` quote"],
    ["`run name = 'x'", 0, "missing its closing ` quote"],
    ["tags.`a`.b = 'x'", 5, "quoted key must be the whole key"],
    ["metrics.`` > 1", 8, 'key after "metrics." is empty'],
    ["metrics. acc > 1", 8, 'expected a key after "metrics.", found whitespace'],
    ["metrics.", 8, "found end of input"],
    ["tags.'x' = 'y'", 5, 'expected a key after "tags."'],
    ["metrics > 1", 7, 'expected a key after "metrics"'],
    ["'a' = params.x", 0, "expected a comparison such as"],
    // Missing pieces.
    ["metrics.a >", 11, 'expected a value after ">", found end of input'],
    ["params.a =   ", 13, "found end of input"],
    ["metrics.a > AND metrics.b < 1", 12, 'found "AND"'],
    ["metrics.acc", 11, 'expected a comparison operator after "metrics.acc", found end of input'],
    ["metrics.acc foo", 12, 'found "foo"'],
    ["metrics.a > 1 AND", 17, 'expected a comparison after "AND", found end of input'],
    ["metrics.a > 1 OR", 16, 'expected a comparison after "OR", found end of input'],
    ["metrics.a > 1 and ", 18, 'after "and"'],
    ["AND metrics.a > 1", 0, 'found "AND"'],
    ["OR metrics.a > 1", 0, 'found "OR"'],
    ["metrics.a > 1 AND AND metrics.b > 1", 18, 'expected a comparison after "AND", found "AND"'],
    ["metrics.a > 1 AND OR metrics.b > 1", 18, 'found "OR"'],
    ["metrics.a > 1 metrics.b > 2", 14, 'expected AND, OR or end of input after "1", found "metrics.b"'],
    ["metrics.a > 1 'x'", 14, "found the string 'x'"],
    ["NOT metrics.a > 1", 0, 'found "NOT"'],
    // Unknown names.
    ["foo.bar = 'x'", 0, 'unknown entity type "foo" in "foo.bar"'],
    ["metricz.acc > 1", 0, 'unknown entity type "metricz"'],
    ["Metrics.acc > 1", 0, 'unknown entity type "Metrics"'],
    ["acc > 1", 0, 'unknown attribute "acc"'],
    ["`my metric` > 1", 0, "metrics.`my metric`"],
    ["attributes.foo = 'x'", 11, 'unknown attribute "foo"'],
    ["attributes.experiment_id = '1'", 11, 'unknown attribute "experiment_id"'],
    ["attributes.constructor = 'x'", 11, 'unknown attribute "constructor"'],
    ["RUN_NAME = 'x'", 0, 'unknown attribute "RUN_NAME"'],
    ["datasets.foo = 'x'", 9, 'unknown dataset field "foo"'],
    // Operator / type mismatches.
    ["metrics.x LIKE 'a'", 10, 'the operator LIKE cannot be used with the metric "metrics.x"'],
    ["metrics.x ILIKE 'a'", 10, "ILIKE cannot be used"],
    ["metrics.x IN ('a')", 10, "IN cannot be used"],
    ["metrics.x NOT IN ('a')", 10, "NOT IN cannot be used"],
    ["start_time LIKE '1%'", 11, 'the time attribute "start_time"'],
    ["params.x > 3", 9, 'the operator > cannot be used with the param "params.x"'],
    ["params.x >= '3'", 9, ">= cannot be used"],
    ["tags.x < 'a'", 7, 'the tag "tags.x"'],
    ["run_name < 'b'", 9, 'the operator < cannot be used with the attribute "run_name"'],
    ["datasets.name > 'b'", 14, 'the dataset field "datasets.name"'],
    ["metrics.acc > 'x'", 14, "the metric \"metrics.acc\" must be compared with a number, found the string 'x'"],
    ['metrics.acc = "0.5"', 14, "must be compared with a number"],
    ["metrics.acc > abc", 14, 'found "abc"'],
    ["params.lr = 0.1", 12, "must be compared with a quoted string, found \"0.1\" (write '0.1'"],
    ["params.lr = abc", 12, "(write 'abc'"],
    ["tags.x = NULL", 9, "use IS NULL or IS NOT NULL"],
    ["metrics.x != null", 13, "use IS NULL"],
    ["start_time > '2024-01-01'", 13, "must be compared with a number"],
    ["start_time > 1.5", 13, "whole number"],
    ["end_time < 1e-3", 11, "whole number"],
    ["run_name = 1", 11, "quoted string"],
    // NOT / IS.
    ["run_id NOT LIKE 'a'", 11, 'expected IN after NOT, found "LIKE"'],
    ["run_id NOT", 10, "found end of input"],
    ["end_time IS 5", 12, "expected NULL or NOT NULL after IS"],
    ["end_time IS NOT 5", 16, "expected NULL after IS NOT"],
    ["end_time IS", 11, "found end of input"],
    // IN lists.
    ["run_id IN 'a'", 10, "expected \"(\" and a list of quoted strings after IN, found the string 'a'"],
    ["run_id IN ()", 11, "at least one quoted string"],
    ["run_id IN ('a',)", 15, 'expected a quoted string in the list after IN, found ")"'],
    ["run_id IN ('a' 'b')", 15, 'expected "," or ")" in the list after IN'],
    ["run_id IN ('a', 1)", 16, 'found "1"'],
    ["run_id NOT IN ('a'", 18, "found end of input"],
    ["run_id IN (,)", 11, 'found ","'],
    // Parentheses.
    ["(metrics.a > 1", 14, 'expected ")" to close the "(" at position 0, found end of input'],
    ["((metrics.a > 1)", 16, 'close the "(" at position 0'],
    ["metrics.a > 1 AND (metrics.b > 2", 32, 'close the "(" at position 18'],
    ["metrics.a > 1)", 13, 'unexpected ")" without a matching "("'],
    ["(metrics.a > 1))", 15, 'unexpected ")"'],
    ["()", 1, 'expected a comparison after "(", found ")"'],
    [")", 0, 'found ")"'],
    ["(metrics.a > 1 metrics.b > 2)", 15, 'expected AND, OR or ")" after "1"'],
    ["metrics.a > (1)", 12, 'found "("'],
    // Lexical errors.
    ["params.a == 'x'", 9, 'unknown operator "==", use "=" instead'],
    ["params.a <> 'x'", 9, 'unknown operator "<>", use "!=" instead'],
    ["params.a = 'x';", 14, 'unexpected character ";"'],
    ["params.a ! 'x'", 9, 'unexpected character "!"'],
    ["metrics.a ~ 1", 10, 'unexpected character "~"'],
    ["metrics.a > 1x", 12, '"1x" is not a valid number'],
    ["metrics.a > 1.2.3", 12, '"1.2.3" is not a valid number'],
    ["metrics.a > 1AND metrics.b > 1", 12, '"1AND" is not a valid number'],
    ["metrics.a > 1e999", 12, "too large"],
    ["metrics.a > - 1", 12, 'unexpected character "-"'],
    ["metrics.a > +1", 12, 'unexpected character "+"'],
  ])("%j fails at %i", (input, position, fragment) => {
    expectError(input, position, fragment);
  });

  it(`rejects more than ${MAX_FILTER_DEPTH} levels of parentheses`, () => {
    const n = MAX_FILTER_DEPTH + 1;
    const input = `${"(".repeat(n)}metrics.a > 1${")".repeat(n)}`;
    expectError(input, MAX_FILTER_DEPTH, "nested more than");
  });

  it("does not overflow the stack on pathological nesting", () => {
    expectError("(".repeat(100_000), MAX_FILTER_DEPTH, "nested more than");
  });

  it("reports the first problem only, as one sentence", () => {
    const err = expectError("metrics.x LIKE 'a' AND params.y > 3", 10);
    expect(err.message.split(". ").length).toBe(1);
  });
});
