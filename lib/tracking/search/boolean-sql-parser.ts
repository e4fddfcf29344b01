import { and, or, sql, type SQL } from "drizzle-orm";
import type { FilterSyntaxError } from "./index";
import { describeToken, keywordOf, syntaxError, type Token } from "./lexer";

/**
 * AND / OR / parentheses over comparisons, straight to SQL, for the filters that don't go through the
 * run-search AST (experiments, registered models, model versions). Subclasses parse one comparison.
 */
export abstract class BooleanSqlParser {
  protected pos = 0;

  constructor(protected readonly tokens: Token[]) {}

  protected abstract parseComparison(): SQL;

  protected peek(): Token {
    return this.tokens[this.pos] ?? { kind: "eof", start: 0, end: 0, raw: "" };
  }
  protected next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.pos += 1;
    return t;
  }
  protected fail(t: Token, detail: string): FilterSyntaxError {
    return syntaxError({ kind: "filter" }, t.start, detail);
  }

  parse(): SQL {
    const node = this.parseOr();
    const t = this.peek();
    if (t.kind !== "eof") throw this.fail(t, `expected AND, OR or end of input, found ${describeToken(t)}`);
    return node;
  }
  private parseOr(): SQL {
    const items = [this.parseAnd()];
    while (keywordOf(this.peek()) === "OR") {
      this.next();
      items.push(this.parseAnd());
    }
    return items.length === 1 && items[0] ? items[0] : sql`(${or(...items)})`;
  }
  private parseAnd(): SQL {
    const items = [this.parsePrimary()];
    while (keywordOf(this.peek()) === "AND") {
      this.next();
      items.push(this.parsePrimary());
    }
    return items.length === 1 && items[0] ? items[0] : sql`(${and(...items)})`;
  }
  private parsePrimary(): SQL {
    if (this.peek().kind === "lparen") {
      this.next();
      const inner = this.parseOr();
      const close = this.next();
      if (close.kind !== "rparen") throw this.fail(close, `expected ")", found ${describeToken(close)}`);
      return inner;
    }
    return this.parseComparison();
  }
}
