/**
 * Tokenizer shared by the filter and order_by parsers.
 *
 * Positions are 0-based UTF-16 offsets into the input string (the same
 * convention as `String.prototype.slice` and `JSON.parse` error messages).
 */

/** Thrown for any syntax or type error in a filter or order_by clause. */
export class FilterSyntaxError extends Error {
  /** 0-based offset into the parsed string where the problem starts. */
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.name = "FilterSyntaxError";
    this.position = position;
  }
}

/** What is being parsed; only used to phrase error messages. */
export type SyntaxSubject = { kind: "filter" } | { kind: "order_by"; clause: string };

export const FILTER_SUBJECT: SyntaxSubject = { kind: "filter" };

/** Shorten user text quoted inside an error message. */
export function clip(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * Build a FilterSyntaxError whose message is a single sentence:
 * `Invalid filter at position 17: <detail>.`
 */
export function syntaxError(subject: SyntaxSubject, position: number, detail: string): FilterSyntaxError {
  const what = subject.kind === "filter" ? "Invalid filter" : `Invalid order_by clause "${clip(subject.clause, 80)}"`;
  return new FilterSyntaxError(`${what} at position ${position}: ${detail}.`, position);
}

/** One segment of a dotted identifier (`metrics`, `acc`, `` `my metric` ``). */
export interface IdentPart {
  text: string;
  /** The quote character if the segment was quoted. */
  quote: "`" | '"' | null;
  start: number;
}

type ComparisonOperator = "=" | "!=" | "<" | "<=" | ">" | ">=";

interface TokenBase {
  start: number;
  /** Exclusive end offset. */
  end: number;
  /** The exact source text of the token. */
  raw: string;
}

/** A dotted name: `metrics.acc`, ``tags.`mlflow.runName` ``, `run_name`, `AND`, … */
export interface IdentToken extends TokenBase {
  kind: "ident";
  parts: IdentPart[];
}

export interface StringToken extends TokenBase {
  kind: "string";
  value: string;
  quote: "'" | '"';
}

interface NumberToken extends TokenBase {
  kind: "number";
  value: number;
}

interface OperatorToken extends TokenBase {
  kind: "op";
  value: ComparisonOperator;
}

interface PunctToken extends TokenBase {
  kind: "lparen" | "rparen" | "comma" | "eof";
}

export type Token = IdentToken | StringToken | NumberToken | OperatorToken | PunctToken;

const IDENT_START = /[\p{L}_]/u;
/** Characters allowed in an unquoted identifier segment. */
const IDENT_CHAR = /[\p{L}\p{N}_\-/]/u;
const DIGIT = /[0-9]/;
const WHITESPACE = /\s/;
const NUMBER = /-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;

/**
 * If `ident` is a single unquoted word, return it in upper case (for keyword
 * matching: AND, OR, NOT, IN, LIKE, ILIKE, IS, NULL, ASC, DESC); else null.
 */
export function keywordOf(token: Token): string | null {
  if (token.kind !== "ident" || token.parts.length !== 1) return null;
  const [part] = token.parts;
  return part && part.quote === null ? part.text.toUpperCase() : null;
}

/**
 * Split `input` into tokens. The last token is always `eof`.
 * Throws FilterSyntaxError on unterminated strings, malformed numbers and
 * unexpected characters.
 */
export function tokenize(input: string, subject: SyntaxSubject = FILTER_SUBJECT): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (k: number): string => input.charAt(k);

  /** Read a quoted run starting at `start` (which holds the quote). */
  const readQuoted = (start: number, quote: string): { value: string; end: number } => {
    let value = "";
    let k = start + 1;
    while (k < input.length) {
      const ch = at(k);
      if (ch === "\\" && k + 1 < input.length) {
        const next = at(k + 1);
        if (next === quote || next === "\\" || next === "'" || next === '"' || next === "`") {
          value += next;
          k += 2;
          continue;
        }
        value += ch;
        k += 1;
        continue;
      }
      if (ch === quote) {
        if (at(k + 1) === quote) {
          value += quote;
          k += 2;
          continue;
        }
        return { value, end: k + 1 };
      }
      value += ch;
      k += 1;
    }
    const what = quote === "`" ? "quoted name" : "string";
    throw syntaxError(subject, start, `the ${what} starting here is missing its closing ${quote} quote`);
  };

  const readWord = (start: number): number => {
    let k = start;
    while (k < input.length && IDENT_CHAR.test(at(k))) k += 1;
    return k;
  };

  while (i < input.length) {
    const ch = at(i);
    if (WHITESPACE.test(ch)) {
      i += 1;
      continue;
    }
    const start = i;

    // Identifiers: a word or a backtick-quoted name, then `.segment`s.
    if (IDENT_START.test(ch) || ch === "`") {
      const parts: IdentPart[] = [];
      let k = start;
      for (;;) {
        const c = at(k);
        if (c === "`" || (parts.length > 0 && c === '"')) {
          const q = readQuoted(k, c);
          parts.push({ text: q.value, quote: c, start: k });
          k = q.end;
        } else if (parts.length === 0 ? IDENT_START.test(c) : IDENT_CHAR.test(c)) {
          const end = readWord(k);
          parts.push({ text: input.slice(k, end), quote: null, start: k });
          k = end;
        } else {
          const soFar = input.slice(start, k);
          const found = k >= input.length ? "end of input" : WHITESPACE.test(c) ? "whitespace" : `"${c}"`;
          throw syntaxError(subject, k, `expected a key after "${clip(soFar)}", found ${found}`);
        }
        if (at(k) !== ".") break;
        k += 1; // consume the dot and read the next segment
      }
      tokens.push({ kind: "ident", parts, start, end: k, raw: input.slice(start, k) });
      i = k;
      continue;
    }

    if (ch === "'" || ch === '"') {
      const q = readQuoted(start, ch);
      tokens.push({
        kind: "string",
        value: q.value,
        quote: ch,
        start,
        end: q.end,
        raw: input.slice(start, q.end),
      });
      i = q.end;
      continue;
    }

    const startsNumber =
      DIGIT.test(ch) ||
      (ch === "." && DIGIT.test(at(i + 1))) ||
      (ch === "-" && (DIGIT.test(at(i + 1)) || (at(i + 1) === "." && DIGIT.test(at(i + 2)))));
    if (startsNumber) {
      NUMBER.lastIndex = start;
      const m = NUMBER.exec(input);
      let end = start + (m ? m[0].length : 1);
      if (end < input.length && (IDENT_CHAR.test(at(end)) || at(end) === ".")) {
        while (end < input.length && (IDENT_CHAR.test(at(end)) || at(end) === ".")) end += 1;
        throw syntaxError(subject, start, `"${clip(input.slice(start, end))}" is not a valid number`);
      }
      const raw = input.slice(start, end);
      const value = Number(raw);
      if (!Number.isFinite(value)) {
        throw syntaxError(subject, start, `the number "${clip(raw)}" is too large`);
      }
      tokens.push({ kind: "number", value, start, end, raw });
      i = end;
      continue;
    }

    const two = input.slice(i, i + 2);
    if (two === "==" || two === "<>") {
      const use = two === "==" ? "=" : "!=";
      throw syntaxError(subject, start, `unknown operator "${two}", use "${use}" instead`);
    }
    if (two === "!=" || two === "<=" || two === ">=") {
      tokens.push({ kind: "op", value: two, start, end: i + 2, raw: two });
      i += 2;
      continue;
    }
    if (ch === "=" || ch === "<" || ch === ">") {
      tokens.push({ kind: "op", value: ch, start, end: i + 1, raw: ch });
      i += 1;
      continue;
    }
    if (ch === "(" || ch === ")" || ch === ",") {
      const kind = ch === "(" ? "lparen" : ch === ")" ? "rparen" : "comma";
      tokens.push({ kind, start, end: i + 1, raw: ch });
      i += 1;
      continue;
    }

    const cp = input.codePointAt(i) ?? 0;
    const shown = String.fromCodePoint(cp);
    throw syntaxError(subject, start, `unexpected character "${shown}"`);
  }

  tokens.push({ kind: "eof", start: input.length, end: input.length, raw: "" });
  return tokens;
}

/** Describe a token for an error message: `"foo"`, `the string 'x'`, `end of input`. */
export function describeToken(token: Token): string {
  switch (token.kind) {
    case "eof":
      return "end of input";
    case "string":
      return `the string ${clip(token.raw)}`;
    default:
      return `"${clip(token.raw)}"`;
  }
}
