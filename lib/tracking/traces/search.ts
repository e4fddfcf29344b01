/**
 * MLflow's trace search language (mlflow/utils/search_utils.py, SearchTraceUtils): comparisons joined by AND
 * over `attributes.` (or `attribute.`, `trace.`, bare) `timestamp_ms`, `execution_time_ms`, `status`/`state`,
 * `trace_id`/`request_id`, `name`, `run_id`, `client_request_id`, `request_preview`, `response_preview`;
 * `tags.<key>` and `metadata.<key>` (or `request_metadata.`). Numbers take = != < <= > >=, strings = != LIKE
 * ILIKE IN NOT IN. A trace also matches on what it holds: `feedback.<name>` and `expectation.<name>` (a valid
 * assessment of that name whose value, as text, compares), `span.name`, `span.type`, `span.status` and
 * `span.attributes.<key>` (or `span.<key>`; a span whose attribute, as sent or JSON-encoded, compares), and
 * `trace.text` LIKE/ILIKE (any span's content). order_by takes attributes and tags, ASC or DESC, newest first by default.
 * The lexer is the run search's (lib/tracking/search/lexer.ts); errors are FilterSyntaxError → 400.
 */
import { asc, desc, eq, gt, gte, ilike, inArray, like, lt, lte, ne, not, or, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { madeInOrLinkedTo } from "@/db/queries/traces";
import { traceAssessments, traces, traceSpans } from "@/db/schema";
import { FILTER_SUBJECT, describeToken, keywordOf, syntaxError, tokenize, type Token } from "../search/lexer";
import { TRACE_NAME_TAG } from "./wire";

type Field =
  | { kind: "number"; column: typeof traces.requestTime | typeof traces.executionDuration; label: string }
  | {
      kind: "string";
      expr: SQL;
      label: string;
      state?: boolean;
      /** The comparison holds for some row the trace holds (a span, an assessment), not for the trace's own column. */
      within?: (cond: SQL) => SQL;
      /** Values are stored JSON-encoded (span attributes): `=` matches the plain or the encoded form. */
      encoded?: boolean;
      /** Only LIKE and ILIKE (trace.text). */
      likeOnly?: boolean;
    }
  | { kind: "run"; label: string };

const ATTRIBUTE_PREFIXES = new Set(["attributes", "attribute", "attr", "trace"]);
const ASSESSMENT_PREFIXES = new Map([
  ["feedback", "feedback"],
  ["expectation", "expectation"],
]);

/** Some span of the trace satisfies `cond`. */
const inSomeSpan = (cond: SQL) => sql`exists (select 1 from ${traceSpans} where ${traceSpans.traceId} = ${traces.traceId} and ${cond})`;

function spanField(key: string, label: string): Field {
  const column: Record<string, SQLWrapper> = { name: traceSpans.name, type: traceSpans.spanType, status: traceSpans.statusCode };
  const known = column[key];
  if (known) return { kind: "string", expr: sql`${known}`, label, within: inSomeSpan };
  const attr = key.startsWith("attributes.") ? key.slice("attributes.".length) : key;
  return { kind: "string", expr: sql`(${traceSpans.content}->'attributes'->>${attr})`, label, within: inSomeSpan, encoded: true };
}

function assessmentField(kind: string, name: string, label: string): Field {
  const within = (cond: SQL) =>
    sql`exists (select 1 from ${traceAssessments} where ${traceAssessments.traceId} = ${traces.traceId} and ${traceAssessments.kind} = ${kind} and ${traceAssessments.name} = ${name} and ${traceAssessments.valid} and ${cond})`;
  return { kind: "string", expr: sql`(${traceAssessments.value} #>> '{}')`, label, within };
}
const TAG_PREFIXES = new Set(["tags", "tag"]);
const METADATA_PREFIXES = new Set(["metadata", "request_metadata"]);

const column = (c: SQLWrapper) => sql`${c}`;

function attribute(name: string, label: string): Field | undefined {
  switch (name) {
    case "timestamp_ms":
    case "timestamp":
    case "request_time":
      return { kind: "number", column: traces.requestTime, label };
    case "execution_time_ms":
    case "execution_duration":
      return { kind: "number", column: traces.executionDuration, label };
    case "status":
    case "state":
      return { kind: "string", expr: column(traces.state), label, state: true };
    case "trace_id":
    case "request_id":
      return { kind: "string", expr: column(traces.traceId), label };
    case "name":
      return { kind: "string", expr: sql`(${traces.tags}->>${TRACE_NAME_TAG})`, label };
    case "client_request_id":
      return { kind: "string", expr: column(traces.clientRequestId), label };
    case "request_preview":
      return { kind: "string", expr: column(traces.requestPreview), label };
    case "response_preview":
      return { kind: "string", expr: column(traces.responsePreview), label };
    case "run_id":
      return { kind: "run", label };
    case "text":
      return { kind: "string", expr: sql`(${traceSpans.content}::text)`, label, within: inSomeSpan, likeOnly: true };
    default:
      return undefined;
  }
}

const ATTRIBUTE_NAMES =
  "timestamp_ms, execution_time_ms, status, trace_id, name, run_id, client_request_id, request_preview, response_preview";

function resolve(tok: Token, subject = FILTER_SUBJECT): Field {
  const parts =
    tok.kind === "ident"
      ? tok.parts
      : tok.kind === "string" && tok.quote === '"'
        ? [{ text: tok.value, quote: '"' as const, start: tok.start }]
        : [];
  const [first, ...rest] = parts;
  if (!first) throw syntaxError(subject, tok.start, `expected a field such as attributes.timestamp_ms, found ${describeToken(tok)}`);
  const label = tok.raw;
  const key = rest.map((p) => p.text).join(".");
  if (rest.length === 0 || ATTRIBUTE_PREFIXES.has(first.text)) {
    const name = rest.length === 0 ? first.text : key;
    const field = attribute(name, label);
    if (!field)
      throw syntaxError(
        subject,
        tok.start,
        `unknown trace attribute "${name}", expected one of ${ATTRIBUTE_NAMES}, or tags.<key> or metadata.<key>`,
      );
    return field;
  }
  if (TAG_PREFIXES.has(first.text)) return { kind: "string", expr: sql`(${traces.tags}->>${key})`, label };
  const assessment = ASSESSMENT_PREFIXES.get(first.text);
  if (assessment) return assessmentField(assessment, key, label);
  if (first.text === "span" || first.text === "spans") return spanField(key, label);
  if (METADATA_PREFIXES.has(first.text)) return { kind: "string", expr: sql`(${traces.metadata}->>${key})`, label };
  throw syntaxError(
    subject,
    first.start,
    `unknown entity "${first.text}" in "${label}", expected attributes, tags, metadata, feedback, expectation or span`,
  );
}

/** `status = 'OK'` also matches the v2 name TRACE_STATUS_UNSPECIFIED for STATE_UNSPECIFIED. */
const stateValue = (v: string) => (v === "TRACE_STATUS_UNSPECIFIED" ? "STATE_UNSPECIFIED" : v);

class TraceFilterParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.pos] ?? { kind: "eof", start: 0, end: 0, raw: "" };
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.pos += 1;
    return t;
  }
  private fail(t: Token, detail: string): never {
    throw syntaxError(FILTER_SUBJECT, t.start, detail);
  }

  parse(): SQL[] {
    const out = [this.comparison()];
    for (;;) {
      const t = this.peek();
      if (t.kind === "eof") return out;
      const kw = keywordOf(t);
      if (kw === "OR") this.fail(t, "trace filters join comparisons with AND only, as MLflow's do");
      if (kw !== "AND") this.fail(t, `expected AND or end of input, found ${describeToken(t)}`);
      this.next();
      out.push(this.comparison());
    }
  }

  private comparison(): SQL {
    const idTok = this.next();
    const field = resolve(idTok);
    if (field.kind !== "string" || !field.within) return this.ownComparison(field);
    return field.within(this.ownComparison(field));
  }

  private ownComparison(field: Field): SQL {
    const opTok = this.next();
    let op: string;
    if (opTok.kind === "op") op = opTok.value;
    else {
      const kw = keywordOf(opTok);
      if (kw === "NOT" && keywordOf(this.peek()) === "IN") {
        this.next();
        op = "NOT IN";
      } else if (kw === "LIKE" || kw === "ILIKE" || kw === "IN") op = kw;
      else return this.fail(opTok, `expected a comparison operator after "${field.label}", found ${describeToken(opTok)}`);
    }
    if (field.kind === "number") {
      const v = this.next();
      if (v.kind !== "number" || !Number.isSafeInteger(v.value))
        this.fail(v, `"${field.label}" is compared with a whole number of milliseconds, found ${describeToken(v)}`);
      const n = v.value;
      const c = field.column;
      const ops: Record<string, SQL | undefined> = {
        "=": eq(c, n),
        "!=": ne(c, n),
        "<": lt(c, n),
        "<=": lte(c, n),
        ">": gt(c, n),
        ">=": gte(c, n),
      };
      const cond = ops[op];
      if (!cond) return this.fail(opTok, `the operator ${op} cannot be used with "${field.label}", which supports =, !=, <, <=, > and >=`);
      return cond;
    }
    if (field.kind === "string" && field.likeOnly && op !== "LIKE" && op !== "ILIKE")
      this.fail(opTok, `"${field.label}" supports only LIKE and ILIKE`);
    if (op === "IN" || op === "NOT IN") {
      if (field.kind === "run") this.fail(opTok, `"${field.label}" supports only =`);
      const plain = this.list(op).map((v) => (field.state ? stateValue(v) : v));
      const values = field.encoded ? [...plain, ...plain.map((v) => JSON.stringify(v))] : plain;
      const cond = inArray(field.expr, values);
      return op === "IN" ? cond : not(cond);
    }
    const v = this.next();
    if (v.kind !== "string") return this.fail(v, `"${field.label}" is compared with a quoted string, found ${describeToken(v)}`);
    if (field.kind === "run") {
      if (op !== "=") this.fail(opTok, `"${field.label}" supports only =`);
      return madeInOrLinkedTo(v.value);
    }
    const value = field.state ? stateValue(v.value) : v.value;
    const equal = field.encoded ? or(eq(field.expr, value), eq(field.expr, JSON.stringify(value))) : eq(field.expr, value);
    switch (op) {
      case "=":
        return equal ?? eq(field.expr, value);
      case "!=":
        return field.encoded ? not(equal ?? eq(field.expr, value)) : ne(field.expr, value);
      case "LIKE":
        return like(field.expr, value);
      case "ILIKE":
        return ilike(field.expr, value);
      default:
        return this.fail(
          opTok,
          `the operator ${op} cannot be used with "${field.label}", which supports =, !=, LIKE, ILIKE, IN and NOT IN`,
        );
    }
  }

  private list(op: string): string[] {
    const open = this.next();
    if (open.kind !== "lparen") this.fail(open, `expected "(" and a list of quoted strings after ${op}, found ${describeToken(open)}`);
    const values: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind !== "string") this.fail(t, `expected a quoted string in the list after ${op}, found ${describeToken(t)}`);
      values.push(t.kind === "string" ? t.value : "");
      const sep = this.next();
      if (sep.kind === "rparen") return values;
      if (sep.kind !== "comma") this.fail(sep, `expected "," or ")" in the list after ${op}, found ${describeToken(sep)}`);
    }
  }
}

/** The filter's conditions (none for an empty filter). */
export function traceFilterSql(filter: string | undefined): SQL[] {
  if (!filter || filter.trim() === "") return [];
  return new TraceFilterParser(tokenize(filter)).parse();
}

/** order_by clauses → ORDER BY terms, newest first unless told otherwise, trace id last so pages are stable. */
export function traceOrderSql(clauses: readonly string[]): SQL[] {
  const out: SQL[] = [];
  for (const clause of clauses) {
    const subject = { kind: "order_by" as const, clause };
    const tokens = tokenize(clause, subject);
    const [idTok, dirTok, extra] = tokens;
    if (!idTok || idTok.kind === "eof") throw syntaxError(subject, 0, "expected a field such as timestamp_ms");
    const field = resolve(idTok, subject);
    if (field.kind === "run") throw syntaxError(subject, idTok.start, "run_id cannot be used in order_by");
    if (field.kind === "string" && field.within) throw syntaxError(subject, idTok.start, `${field.label} cannot be used in order_by`);
    const dir = dirTok ? keywordOf(dirTok) : null;
    if (dirTok && dirTok.kind !== "eof" && dir !== "ASC" && dir !== "DESC")
      throw syntaxError(subject, dirTok.start, `expected ASC, DESC or end of clause, found ${describeToken(dirTok)}`);
    if (extra && extra.kind !== "eof") throw syntaxError(subject, extra.start, `expected end of clause, found ${describeToken(extra)}`);
    const expr = field.kind === "number" ? sql`${field.column}` : field.expr;
    out.push(dir === "DESC" ? sql`${expr} desc nulls last` : sql`${expr} asc nulls last`);
  }
  if (out.length === 0) out.push(desc(traces.requestTime));
  out.push(asc(traces.traceId));
  return out;
}
