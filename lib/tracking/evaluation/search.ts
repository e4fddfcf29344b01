/**
 * SearchEvaluationDatasets' filter_string and order_by (mlflow/utils/search_utils.py
 * SearchEvaluationDatasetsUtils): comparisons joined by AND over `name`, `created_by`, `last_updated_by`,
 * `tags.<key>` (=, !=, LIKE, ILIKE) and `created_time`, `last_update_time` (=, !=, <, <=, >, >=); order by
 * name, created_time or last_update_time, ASC or DESC, newest first by default. The lexer is the run
 * search's (lib/tracking/search/lexer.ts); errors are FilterSyntaxError → 400.
 */
import { asc, desc, eq, gt, gte, ilike, like, lt, lte, ne, sql, type SQL } from "drizzle-orm";
import { evaluationDatasets as d } from "@/db/schema";
import { FILTER_SUBJECT, describeToken, keywordOf, syntaxError, tokenize, type SyntaxSubject, type Token } from "../search/lexer";

type Field = { kind: "string"; expr: SQL } | { kind: "number"; expr: SQL };

const FIELDS = "name, created_by, last_updated_by, created_time, last_update_time or tags.<key>";

function field(tok: Token, subject: SyntaxSubject): Field {
  if (tok.kind !== "ident") throw syntaxError(subject, tok.start, `expected a field such as name, found ${describeToken(tok)}`);
  const [first, ...rest] = tok.parts.map((p) => p.text);
  const key = rest.join(".");
  if ((first === "tags" || first === "tag") && key !== "") return { kind: "string", expr: sql`(${d.tags}->>${key})` };
  const name = first === "attributes" || first === "attribute" ? key : rest.length === 0 ? first : "";
  switch (name) {
    case "name":
      return { kind: "string", expr: sql`${d.name}` };
    case "created_by":
      return { kind: "string", expr: sql`${d.createdBy}` };
    case "last_updated_by":
      return { kind: "string", expr: sql`${d.lastUpdatedBy}` };
    case "created_time":
      return { kind: "number", expr: sql`${d.createdTime}` };
    case "last_update_time":
      return { kind: "number", expr: sql`${d.lastUpdateTime}` };
    default:
      throw syntaxError(subject, tok.start, `unknown dataset field "${tok.raw}", expected ${FIELDS}`);
  }
}

function comparison(tokens: Token[], at: number): { cond: SQL; next: number } {
  const idTok = tokens[at] ?? { kind: "eof" as const, start: 0, end: 0, raw: "" };
  const f = field(idTok, FILTER_SUBJECT);
  const opTok = tokens[at + 1] ?? idTok;
  const valTok = tokens[at + 2] ?? opTok;
  const op = opTok.kind === "op" ? opTok.value : keywordOf(opTok);
  if (f.kind === "number") {
    if (valTok.kind !== "number" || !Number.isSafeInteger(valTok.value))
      throw syntaxError(
        FILTER_SUBJECT,
        valTok.start,
        `"${idTok.raw}" is compared with a whole number of milliseconds, found ${describeToken(valTok)}`,
      );
    const n = valTok.value;
    const ops: Record<string, SQL> = {
      "=": eq(f.expr, n),
      "!=": ne(f.expr, n),
      "<": lt(f.expr, n),
      "<=": lte(f.expr, n),
      ">": gt(f.expr, n),
      ">=": gte(f.expr, n),
    };
    const cond = op === null ? undefined : ops[op];
    if (!cond)
      throw syntaxError(FILTER_SUBJECT, opTok.start, `"${idTok.raw}" supports =, !=, <, <=, > and >=, found ${describeToken(opTok)}`);
    return { cond, next: at + 3 };
  }
  if (valTok.kind !== "string")
    throw syntaxError(FILTER_SUBJECT, valTok.start, `"${idTok.raw}" is compared with a quoted string, found ${describeToken(valTok)}`);
  const v = valTok.value;
  const ops: Record<string, SQL> = { "=": eq(f.expr, v), "!=": ne(f.expr, v), LIKE: like(f.expr, v), ILIKE: ilike(f.expr, v) };
  const cond = op === null ? undefined : ops[op];
  if (!cond) throw syntaxError(FILTER_SUBJECT, opTok.start, `"${idTok.raw}" supports =, !=, LIKE and ILIKE, found ${describeToken(opTok)}`);
  return { cond, next: at + 3 };
}

export function datasetFilterSql(filter: string | undefined): SQL[] {
  if (!filter || filter.trim() === "") return [];
  const tokens = tokenize(filter);
  const out: SQL[] = [];
  let at = 0;
  for (;;) {
    const { cond, next } = comparison(tokens, at);
    out.push(cond);
    const t = tokens[next];
    if (!t || t.kind === "eof") return out;
    if (keywordOf(t) !== "AND") throw syntaxError(FILTER_SUBJECT, t.start, `expected AND or end of input, found ${describeToken(t)}`);
    at = next + 1;
  }
}

export function datasetOrderSql(clauses: readonly string[]): SQL[] {
  const out = clauses.map((clause) => {
    const subject = { kind: "order_by" as const, clause };
    const [idTok, dirTok, extra] = tokenize(clause, subject);
    if (!idTok || idTok.kind === "eof") throw syntaxError(subject, 0, "expected a field such as created_time");
    const f = field(idTok, subject);
    const dir = dirTok && dirTok.kind !== "eof" ? keywordOf(dirTok) : "ASC";
    if (dir !== "ASC" && dir !== "DESC") throw syntaxError(subject, dirTok?.start ?? 0, "expected ASC, DESC or end of clause");
    if (extra && extra.kind !== "eof") throw syntaxError(subject, extra.start, `expected end of clause, found ${describeToken(extra)}`);
    return dir === "DESC" ? desc(f.expr) : asc(f.expr);
  });
  return out.length > 0 ? out : [desc(d.createdTime)];
}
