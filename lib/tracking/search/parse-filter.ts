/**
 * Parser for the run filter language: MLflow's `runs/search` filter grammar
 * extended with OR, parentheses, IS [NOT] NULL and IN / NOT IN on any string
 * field.
 *
 *   filter     := ws* | or_expr
 *   or_expr    := and_expr ("OR" and_expr)*
 *   and_expr   := primary ("AND" primary)*
 *   primary    := "(" or_expr ")" | comparison
 *   comparison := identifier ( ("=" | "!=" | "<" | "<=" | ">" | ">=") value
 *                            | ("LIKE" | "ILIKE") string
 *                            | ["NOT"] "IN" "(" string ("," string)* ")"
 *                            | "IS" ["NOT"] "NULL" )
 *   identifier := [entity "."] key   (no entity: a run attribute)
 *   value      := number | string
 *
 * Keywords are case-insensitive; AND binds tighter than OR.
 */
import { FILTER_SUBJECT, describeToken, keywordOf, syntaxError, tokenize, type FilterSyntaxError, type Token } from "./lexer";
import { resolveIdentifier, type ResolvedIdentifier } from "./identifiers";
import type { FilterComparison, FilterNode, FilterOp, FilterValue } from "./types";

/** Maximum nesting depth of parentheses (guards against stack exhaustion). */
export const MAX_FILTER_DEPTH = 64;

/** Operators valid on metrics and numeric attributes (start_time, end_time). */
const NUMERIC_OPERATORS: readonly FilterOp[] = ["=", "!=", "<", "<=", ">", ">=", "IS NULL", "IS NOT NULL"];

/** Operators valid on params, tags, string attributes and dataset fields. */
const STRING_OPERATORS: readonly FilterOp[] = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN", "IS NULL", "IS NOT NULL"];

const RESERVED = new Set(["AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL"]);

/**
 * Parse a run filter string into an AST.
 *
 * Returns null for an empty or whitespace-only filter (no filtering). A single
 * comparison is returned as a `cmp` node, not wrapped in a group.
 *
 * @throws {FilterSyntaxError} with the 0-based position of the problem.
 */
export function parseFilter(input: string): FilterNode | null {
  if (input.trim() === "") return null;
  return new FilterParser(tokenize(input, FILTER_SUBJECT)).parse();
}

function listOperators(ops: readonly FilterOp[]): string {
  return `${ops.slice(0, -1).join(", ")} and ${ops[ops.length - 1] ?? ""}`;
}

function describeField(id: ResolvedIdentifier): string {
  switch (id.entity) {
    case "metric":
      return `the metric "${id.label}"`;
    case "param":
      return `the param "${id.label}"`;
    case "tag":
      return `the tag "${id.label}"`;
    case "dataset":
      return `the dataset field "${id.label}"`;
    case "attribute":
      return id.valueType === "number" ? `the time attribute "${id.label}"` : `the attribute "${id.label}"`;
  }
}

function group(kind: "and" | "or", items: FilterNode[]): FilterNode {
  const flat: FilterNode[] = [];
  for (const item of items) {
    if (item.kind === kind) flat.push(...item.items);
    else flat.push(item);
  }
  const [only] = flat;
  return flat.length === 1 && only !== undefined ? only : { kind, items: flat };
}

class FilterParser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): FilterNode {
    const node = this.parseOr();
    const tok = this.peek();
    if (tok.kind !== "eof") {
      if (tok.kind === "rparen") {
        throw this.error(tok, `unexpected ")" without a matching "("`);
      }
      throw this.error(tok, `expected AND, OR or end of input after ${this.describePrevious()}, found ${describeToken(tok)}`);
    }
    return node;
  }

  private peek(): Token {
    return this.tokens[this.pos] ?? this.eof();
  }

  private next(): Token {
    const tok = this.peek();
    if (tok.kind !== "eof") this.pos += 1;
    return tok;
  }

  private eof(): Token {
    const last = this.tokens[this.tokens.length - 1];
    const end = last?.end ?? 0;
    return { kind: "eof", start: end, end, raw: "" };
  }

  /** The token just before the current one, described for messages. */
  private describePrevious(): string {
    const prev = this.tokens[this.pos - 1];
    return prev === undefined ? "the start of the filter" : describeToken(prev);
  }

  private error(tok: Token, detail: string): FilterSyntaxError {
    return syntaxError(FILTER_SUBJECT, tok.start, detail);
  }

  private parseOr(): FilterNode {
    const items = [this.parseAnd()];
    while (keywordOf(this.peek()) === "OR") {
      this.next();
      items.push(this.parseAnd());
    }
    return group("or", items);
  }

  private parseAnd(): FilterNode {
    const items = [this.parsePrimary()];
    while (keywordOf(this.peek()) === "AND") {
      this.next();
      items.push(this.parsePrimary());
    }
    return group("and", items);
  }

  private parsePrimary(): FilterNode {
    const open = this.peek();
    if (open.kind !== "lparen") return this.parseComparison();
    if (this.depth >= MAX_FILTER_DEPTH) {
      throw this.error(open, `parentheses are nested more than ${MAX_FILTER_DEPTH} levels deep`);
    }
    this.next();
    this.depth += 1;
    const node = this.parseOr();
    this.depth -= 1;
    const close = this.peek();
    if (close.kind !== "rparen") {
      const detail =
        close.kind === "eof"
          ? `expected ")" to close the "(" at position ${open.start}, found end of input`
          : `expected AND, OR or ")" after ${this.describePrevious()}, found ${describeToken(close)}`;
      throw this.error(close, detail);
    }
    this.next();
    return node;
  }

  private parseComparison(): FilterComparison {
    const tok = this.peek();
    const isIdentifier = (tok.kind === "ident" && !RESERVED.has(keywordOf(tok) ?? "")) || (tok.kind === "string" && tok.quote === '"');
    if (!isIdentifier) {
      const detail =
        this.pos === 0
          ? `expected a comparison such as metrics.acc > 0.5, found ${describeToken(tok)}`
          : `expected a comparison after ${this.describePrevious()}, found ${describeToken(tok)}`;
      throw this.error(tok, detail);
    }
    this.next();
    const id = resolveIdentifier(tok, FILTER_SUBJECT);

    const opTok = this.next();
    const op = this.parseOperator(opTok, id);
    const allowed = id.valueType === "number" ? NUMERIC_OPERATORS : STRING_OPERATORS;
    if (!allowed.includes(op)) {
      throw this.error(opTok, `the operator ${op} cannot be used with ${describeField(id)}, which supports ${listOperators(allowed)}`);
    }

    const value = this.parseValue(op, opTok, id);
    return { kind: "cmp", entity: id.entity, key: id.key, op, value };
  }

  private parseOperator(opTok: Token, id: ResolvedIdentifier): FilterOp {
    if (opTok.kind === "op") return opTok.value;
    switch (keywordOf(opTok)) {
      case "LIKE":
        return "LIKE";
      case "ILIKE":
        return "ILIKE";
      case "IN":
        return "IN";
      case "NOT": {
        const t = this.next();
        if (keywordOf(t) === "IN") return "NOT IN";
        throw this.error(t, `expected IN after NOT, found ${describeToken(t)}`);
      }
      case "IS": {
        const t = this.next();
        const kw = keywordOf(t);
        if (kw === "NULL") return "IS NULL";
        if (kw === "NOT") {
          const t2 = this.next();
          if (keywordOf(t2) === "NULL") return "IS NOT NULL";
          throw this.error(t2, `expected NULL after IS NOT, found ${describeToken(t2)}`);
        }
        throw this.error(t, `expected NULL or NOT NULL after IS, found ${describeToken(t)}`);
      }
      default:
        throw this.error(opTok, `expected a comparison operator after "${id.label}", found ${describeToken(opTok)}`);
    }
  }

  private parseValue(op: FilterOp, opTok: Token, id: ResolvedIdentifier): FilterValue {
    if (op === "IS NULL" || op === "IS NOT NULL") return null;
    if (op === "IN" || op === "NOT IN") return this.parseList(op);

    const t = this.next();
    if (t.kind === "eof") {
      throw this.error(t, `expected a value after "${opTok.raw}", found end of input`);
    }
    if (id.valueType === "number") {
      if (t.kind === "number") {
        if (id.entity === "attribute" && !Number.isSafeInteger(t.value)) {
          throw this.error(
            t,
            `${describeField(id)} is in epoch milliseconds and must be compared with a whole number, found ${describeToken(t)}`,
          );
        }
        return t.value;
      }
      throw this.error(t, `${describeField(id)} must be compared with a number, found ${describeToken(t)}${this.valueHint(t)}`);
    }
    if (t.kind === "string") return t.value;
    throw this.error(t, `${describeField(id)} must be compared with a quoted string, found ${describeToken(t)}${this.valueHint(t)}`);
  }

  private valueHint(t: Token): string {
    const kw = keywordOf(t);
    if (kw === "NULL") return " (use IS NULL or IS NOT NULL to test for a missing value)";
    if (t.kind === "number" || (t.kind === "ident" && kw !== null && !RESERVED.has(kw))) {
      return ` (write '${t.raw}' to compare with text)`;
    }
    return "";
  }

  private parseList(op: "IN" | "NOT IN"): string[] {
    const open = this.next();
    if (open.kind !== "lparen") {
      throw this.error(open, `expected "(" and a list of quoted strings after ${op}, found ${describeToken(open)}`);
    }
    const values: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === "string") {
        values.push(t.value);
      } else if (t.kind === "rparen" && values.length === 0) {
        throw this.error(t, `the list after ${op} must contain at least one quoted string`);
      } else {
        throw this.error(t, `expected a quoted string in the list after ${op}, found ${describeToken(t)}`);
      }
      const sep = this.next();
      if (sep.kind === "rparen") return values;
      if (sep.kind !== "comma") {
        throw this.error(sep, `expected "," or ")" in the list after ${op}, found ${describeToken(sep)}`);
      }
    }
  }
}
