import { describe, it, expect } from "vitest";
import { FilterSyntaxError } from "./lexer";
import { parseOrderBy, parseOrderByList } from "./parse-order-by";
import type { OrderByClause } from "./types";

function expectError(clause: string, position: number, fragment?: string): FilterSyntaxError {
  let caught: unknown;
  try {
    parseOrderBy(clause);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(FilterSyntaxError);
  const err = caught as FilterSyntaxError;
  expect(err.position).toBe(position);
  expect(err.message).toMatch(/^Invalid order_by clause "[^\n]*" at position \d+: [^\n]+\.$/);
  expect(err.message).toContain(`at position ${position}:`);
  if (fragment !== undefined) expect(err.message).toContain(fragment);
  return err;
}

describe("parseOrderBy", () => {
  it.each<[string, OrderByClause]>([
    ["metrics.acc DESC", { entity: "metric", key: "acc", ascending: false }],
    ["metrics.acc desc", { entity: "metric", key: "acc", ascending: false }],
    ["metrics.acc Desc", { entity: "metric", key: "acc", ascending: false }],
    ["metrics.rmse", { entity: "metric", key: "rmse", ascending: true }],
    ["params.lr ASC", { entity: "param", key: "lr", ascending: true }],
    ["params.alpha asc", { entity: "param", key: "alpha", ascending: true }],
    ["attributes.start_time", { entity: "attribute", key: "start_time", ascending: true }],
    ["attributes.start_time DESC", { entity: "attribute", key: "start_time", ascending: false }],
    ["run_name", { entity: "attribute", key: "run_name", ascending: true }],
    ["status DESC", { entity: "attribute", key: "status", ascending: false }],
    ["run_id", { entity: "attribute", key: "run_id", ascending: true }],
    ["user_id", { entity: "attribute", key: "user_id", ascending: true }],
    ["artifact_uri", { entity: "attribute", key: "artifact_uri", ascending: true }],
    ["end_time DESC", { entity: "attribute", key: "end_time", ascending: false }],
    ["lifecycle_stage", { entity: "attribute", key: "lifecycle_stage", ascending: true }],
    ["created DESC", { entity: "attribute", key: "start_time", ascending: false }],
    ["attr.created", { entity: "attribute", key: "start_time", ascending: true }],
    ['"run name" DESC', { entity: "attribute", key: "run_name", ascending: false }],
    ["`Run Name`", { entity: "attribute", key: "run_name", ascending: true }],
    ["run.status", { entity: "attribute", key: "status", ascending: true }],
    ["attribute.run_id", { entity: "attribute", key: "run_id", ascending: true }],
    ["metric.loss", { entity: "metric", key: "loss", ascending: true }],
    ["param.seed DESC", { entity: "param", key: "seed", ascending: false }],
    ["parameters.seed", { entity: "param", key: "seed", ascending: true }],
    ["tag.owner", { entity: "tag", key: "owner", ascending: true }],
    ["tags.`mlflow.runName` DESC", { entity: "tag", key: "mlflow.runName", ascending: false }],
    ['tags."mlflow.user"', { entity: "tag", key: "mlflow.user", ascending: true }],
    ["tags.mlflow.source.type", { entity: "tag", key: "mlflow.source.type", ascending: true }],
    ['metrics."my metric" asc', { entity: "metric", key: "my metric", ascending: true }],
    ["metrics.`f1 score` DESC", { entity: "metric", key: "f1 score", ascending: false }],
    ["metrics.desc DESC", { entity: "metric", key: "desc", ascending: false }],
    ["metrics.asc", { entity: "metric", key: "asc", ascending: true }],
    ["metrics.train/loss", { entity: "metric", key: "train/loss", ascending: true }],
    ["  metrics.acc \t DESC  ", { entity: "metric", key: "acc", ascending: false }],
  ])("%j", (clause, expected) => {
    expect(parseOrderBy(clause)).toStrictEqual(expected);
  });
});

describe("parseOrderByList", () => {
  it("parses every clause in order", () => {
    expect(parseOrderByList(["metrics.rmse DESC", "params.alpha", "attributes.start_time"])).toStrictEqual([
      { entity: "metric", key: "rmse", ascending: false },
      { entity: "param", key: "alpha", ascending: true },
      { entity: "attribute", key: "start_time", ascending: true },
    ]);
  });

  it("returns an empty list for no clauses", () => {
    expect(parseOrderByList([])).toStrictEqual([]);
  });

  it("names the bad clause in the error", () => {
    let caught: unknown;
    try {
      parseOrderByList(["metrics.rmse DESC", "params.alpha sideways"]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FilterSyntaxError);
    const err = caught as FilterSyntaxError;
    expect(err.position).toBe(13);
    expect(err.message).toBe(
      'Invalid order_by clause "params.alpha sideways" at position 13: expected ASC, DESC or end of clause after "params.alpha", found "sideways".',
    );
  });
});

describe("parseOrderBy: errors", () => {
  it.each<[string, number, string]>([
    ["", 0, "expected a column such as metrics.acc, found end of input"],
    ["   ", 3, "found end of input"],
    ["DESC", 0, 'expected a column such as metrics.acc, found "DESC"'],
    ["asc", 0, 'found "asc"'],
    ["'metrics.acc'", 0, "found the string 'metrics.acc'"],
    ["metrics.acc DESC ASC", 17, 'only one sort direction is allowed, found a second one "ASC"'],
    ["metrics.acc ASC asc", 16, "only one sort direction"],
    ["metrics.acc DSC", 12, 'expected ASC, DESC or end of clause after "metrics.acc", found "DSC"'],
    ["metrics.acc DESC extra", 17, 'expected end of clause after "DESC", found "extra"'],
    ["metrics.a, metrics.b", 9, "pass each order_by clause as a separate list item"],
    ["metrics.acc > 1", 12, 'found ">"'],
    ["datasets.name", 0, "datasets cannot be used in order_by"],
    ["foo.bar", 0, 'unknown entity type "foo"'],
    ["acc DESC", 0, 'unknown attribute "acc"'],
    ["attributes.experiment_id", 11, 'unknown attribute "experiment_id"'],
    ["metrics", 7, 'expected a key after "metrics"'],
    ["metrics.", 8, "expected a key"],
    ["metrics.`acc DESC", 8, "missing its closing ` quote"],
    ["(metrics.acc)", 0, 'found "("'],
    ["metrics.acc;", 11, 'unexpected character ";"'],
  ])("%j fails at %i", (clause, position, fragment) => {
    expectError(clause, position, fragment);
  });
});
