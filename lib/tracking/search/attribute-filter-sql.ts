/**
 * Filters over a few attributes and tags (experiments, registered models, model versions), compiled to SQL
 * with bound values: MLflow's grammar (`clause AND clause`) plus OR and parentheses, as for runs; and
 * order_by over named columns.
 */
import { sql, type AnyColumn, type SQL } from "drizzle-orm";
import { FilterSyntaxError } from "./index";
import { BooleanSqlParser } from "./boolean-sql-parser";
import { describeToken, keywordOf, tokenize, type Token } from "./lexer";

const STRING_OPS = ["=", "!=", "LIKE", "ILIKE"] as const;
const LIST_OPS = ["IN", "NOT IN"] as const;
const NUMBER_OPS = ["=", "!=", "<", "<=", ">", ">="] as const;

export interface Field {
  column: AnyColumn;
  kind: "string" | "number";
  /** Whether `IN (…)` / `NOT IN (…)` are allowed. */
  lists?: boolean;
}

export interface FilterTarget {
  /** Searchable attributes by name. */
  fields: Readonly<Record<string, Field>>;
  /** `tags.<key> <op> <value>` as SQL. */
  tag: (key: string, op: SQL, value: string) => SQL;
  what: string;
}

export const opSql = (op: string) => sql.raw(op === "!=" ? "<>" : op);

class AttributeFilterParser extends BooleanSqlParser {
  /** The tag keys the filter mentions. */
  readonly mentionedTags = new Set<string>();

  constructor(
    tokens: Token[],
    private readonly target: FilterTarget,
  ) {
    super(tokens);
  }

  private parseOperator(id: Token): string {
    const t = this.next();
    if (t.kind === "op") return t.value;
    const kw = keywordOf(t);
    if (kw === "LIKE" || kw === "ILIKE" || kw === "IN") return kw;
    if (kw === "NOT" && keywordOf(this.peek()) === "IN") {
      this.next();
      return "NOT IN";
    }
    throw this.fail(t, `expected a comparison operator after "${id.raw}", found ${describeToken(t)}`);
  }

  private parseStringList(): string[] {
    const open = this.next();
    if (open.kind !== "lparen") throw this.fail(open, `expected "(" to start a list, found ${describeToken(open)}`);
    const items: string[] = [];
    for (;;) {
      const v = this.next();
      if (v.kind !== "string") throw this.fail(v, `expected a quoted string in the list, found ${describeToken(v)}`);
      items.push(v.value);
      const sep = this.next();
      if (sep.kind === "rparen") return items;
      if (sep.kind !== "comma") throw this.fail(sep, `expected "," or ")" in the list, found ${describeToken(sep)}`);
    }
  }

  protected parseComparison(): SQL {
    const id = this.next();
    if (id.kind !== "ident" && !(id.kind === "string" && id.quote === '"')) {
      throw this.fail(id, `expected a comparison such as name LIKE 'a%', found ${describeToken(id)}`);
    }
    const parts = id.kind === "ident" ? id.parts.map((p) => p.text) : [id.value];
    const [first, ...rest] = parts;
    const prefix = rest.length > 0 ? first : undefined;
    const key = rest.length > 0 ? rest.join(".") : (first ?? "");
    const names = Object.keys(this.target.fields).join(", ");
    if (prefix === "tag" || prefix === "tags") {
      this.mentionedTags.add(key);
      const op = this.parseOperator(id);
      if (!(STRING_OPS as readonly string[]).includes(op))
        throw this.fail(id, `the operator ${op} cannot be used with "${id.raw}"; use =, !=, LIKE or ILIKE`);
      const v = this.next();
      if (v.kind !== "string") throw this.fail(v, `"${id.raw}" must be compared with a quoted string, found ${describeToken(v)}`);
      return this.target.tag(key, opSql(op), v.value);
    }
    const field =
      (prefix === undefined || prefix === "attribute" || prefix === "attributes" || prefix === "attr") &&
      Object.hasOwn(this.target.fields, key)
        ? this.target.fields[key]
        : undefined;
    if (!field) throw this.fail(id, `invalid ${this.target.what} search key "${id.raw}", expected ${names} or tags.<key>`);
    const op = this.parseOperator(id);
    if ((LIST_OPS as readonly string[]).includes(op)) {
      if (!field.lists) throw this.fail(id, `${op} cannot be used with "${id.raw}"`);
      const items = sql.join(
        this.parseStringList().map((v) => sql`${v}`),
        sql`, `,
      );
      return op === "IN" ? sql`${field.column} IN (${items})` : sql`${field.column} NOT IN (${items})`;
    }
    const allowed: readonly string[] = field.kind === "number" ? NUMBER_OPS : STRING_OPS;
    if (!allowed.includes(op)) throw this.fail(id, `the operator ${op} cannot be used with "${id.raw}"; use ${allowed.join(", ")}`);
    const v = this.next();
    if (field.kind === "number") {
      const n = v.kind === "number" ? v.value : v.kind === "string" && /^-?\d+$/.test(v.value) ? Number(v.value) : NaN;
      if (!Number.isSafeInteger(n)) throw this.fail(v, `"${id.raw}" must be compared with an integer, found ${describeToken(v)}`);
      return sql`${field.column} ${opSql(op)} ${n}`;
    }
    if (v.kind !== "string") throw this.fail(v, `"${id.raw}" must be compared with a quoted string, found ${describeToken(v)}`);
    return sql`${field.column} ${opSql(op)} ${v.value}`;
  }
}

/** WHERE for `input` over `target` (undefined: no filter), with the tag keys it mentions. */
export function compileAttributeFilter(input: string, target: FilterTarget): { where: SQL | undefined; tags: ReadonlySet<string> } {
  if (input.trim() === "") return { where: undefined, tags: new Set() };
  const parser = new AttributeFilterParser(tokenize(input), target);
  return { where: parser.parse(), tags: parser.mentionedTags };
}

export function compileOrderBy(
  clauses: string[],
  columns: Readonly<Record<string, AnyColumn>>,
  what: string,
): { column: AnyColumn; ascending: boolean }[] {
  return clauses.map((clause) => {
    const m = /^\s*(?:(?:attribute|attributes|attr)\.)?(\w+)\s*(ASC|DESC)?\s*$/i.exec(clause);
    const name = m?.[1];
    const column = name !== undefined && Object.hasOwn(columns, name) ? columns[name] : undefined;
    if (!m || !column) {
      throw new FilterSyntaxError(
        `Invalid order_by clause '${clause}'. ${what} can be ordered by ${Object.keys(columns).join(", ")}, optionally followed by ASC or DESC.`,
        0,
      );
    }
    return { column, ascending: m[2]?.toUpperCase() !== "DESC" };
  });
}
