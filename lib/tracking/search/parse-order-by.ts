/**
 * Parser for MLflow `runs/search` order_by clauses:
 *
 *   clause := identifier ["ASC" | "DESC"]
 *
 * Identifiers follow the filter rules (entity prefixes, backtick or
 * double-quoted keys, attribute aliases); datasets cannot be sorted on.
 * ASC and DESC are case-insensitive; the default is ascending.
 */
import { describeToken, keywordOf, syntaxError, tokenize, type SyntaxSubject } from "./lexer";
import { resolveIdentifier } from "./identifiers";
import type { OrderByClause } from "./types";

/**
 * Parse one order_by clause such as `metrics.acc DESC`, `params.lr ASC`,
 * `attributes.start_time` or `run_name`.
 *
 * @throws {FilterSyntaxError} with the 0-based position inside `clause`.
 */
export function parseOrderBy(clause: string): OrderByClause {
  const subject: SyntaxSubject = { kind: "order_by", clause };
  const tokens = tokenize(clause, subject);
  const fail = (position: number, detail: string) => syntaxError(subject, position, detail);

  const first = tokens[0];
  if (first === undefined || first.kind === "eof") {
    throw fail(first?.start ?? clause.length, "expected a column such as metrics.acc, found end of input");
  }
  const keyword = keywordOf(first);
  const isIdentifier =
    (first.kind === "ident" && keyword !== "ASC" && keyword !== "DESC") || (first.kind === "string" && first.quote === '"');
  if (!isIdentifier) {
    throw fail(first.start, `expected a column such as metrics.acc, found ${describeToken(first)}`);
  }
  const id = resolveIdentifier(first, subject);
  if (id.entity === "dataset") {
    throw fail(first.start, `datasets cannot be used in order_by, only metrics, params, tags and attributes`);
  }

  let ascending = true;
  let index = 1;
  const dirTok = tokens[index];
  const dir = dirTok === undefined ? null : keywordOf(dirTok);
  if (dir === "ASC" || dir === "DESC") {
    ascending = dir === "ASC";
    index += 1;
  }

  const rest = tokens[index];
  if (rest !== undefined && rest.kind !== "eof") {
    const restKeyword = keywordOf(rest);
    if (index === 2 && (restKeyword === "ASC" || restKeyword === "DESC")) {
      throw fail(rest.start, `only one sort direction is allowed, found a second one "${rest.raw}"`);
    }
    const prev = tokens[index - 1];
    const after = prev === undefined ? "" : ` after ${describeToken(prev)}`;
    const hint = rest.kind === "comma" ? " (pass each order_by clause as a separate list item)" : "";
    const expected = index === 2 ? "end of clause" : "ASC, DESC or end of clause";
    throw fail(rest.start, `expected ${expected}${after}, found ${describeToken(rest)}${hint}`);
  }

  return { entity: id.entity, key: id.key, ascending };
}

/**
 * Parse a list of order_by clauses (the REST `order_by` repeated field).
 * Errors name the offending clause; `position` is relative to that clause.
 *
 * @throws {FilterSyntaxError}
 */
export function parseOrderByList(clauses: readonly string[]): OrderByClause[] {
  return clauses.map((clause) => parseOrderBy(clause));
}
