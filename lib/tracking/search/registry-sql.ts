/**
 * Filters and order_by for registered-models/search and model-versions/search, compiled to SQL (values are
 * bound parameters). MLflow's grammar (`clause AND clause`) plus OR and parentheses, as for runs.
 */
import { asc, desc, sql, type AnyColumn, type SQL } from "drizzle-orm";
import { modelVersionTags, modelVersions, registeredModelTags, registeredModels } from "@/db/schema";
import { FilterSyntaxError } from "./index";
import { BooleanSqlParser } from "./boolean-sql-parser";
import { describeToken, keywordOf, tokenize, type Token } from "./lexer";

/** The tag MLflow 3 uses to mark prompts; a model without it counts as `'false'`. */
export const PROMPT_TAG = "mlflow.prompt.is_prompt";

const STRING_OPS = ["=", "!=", "LIKE", "ILIKE"] as const;
const LIST_OPS = ["IN", "NOT IN"] as const;
const NUMBER_OPS = ["=", "!=", "<", "<=", ">", ">="] as const;

interface Field {
  column: AnyColumn;
  kind: "string" | "number";
  /** Whether `IN (…)` / `NOT IN (…)` are allowed. */
  lists?: boolean;
}

interface Target {
  /** Searchable attributes by name. */
  fields: Readonly<Record<string, Field>>;
  /** `tags.<key> <op> <value>` as SQL. */
  tag: (key: string, op: SQL, value: string) => SQL;
  what: string;
}

const opSql = (op: string) => sql.raw(op === "!=" ? "<>" : op);

const MODEL_TARGET: Target = {
  what: "registered model",
  fields: { name: { column: registeredModels.name, kind: "string" } },
  tag: (key, op, value) =>
    key === PROMPT_TAG
      ? sql`COALESCE((SELECT ${registeredModelTags.value} FROM ${registeredModelTags} WHERE ${registeredModelTags.name} = ${registeredModels.name} AND ${registeredModelTags.key} = ${key}), 'false') ${op} ${value}`
      : sql`EXISTS (SELECT 1 FROM ${registeredModelTags} WHERE ${registeredModelTags.name} = ${registeredModels.name} AND ${registeredModelTags.key} = ${key} AND ${registeredModelTags.value} ${op} ${value})`,
};

const VERSION_TARGET: Target = {
  what: "model version",
  fields: {
    name: { column: modelVersions.name, kind: "string" },
    run_id: { column: modelVersions.runId, kind: "string", lists: true },
    source_path: { column: modelVersions.source, kind: "string" },
    version_number: { column: modelVersions.version, kind: "number" },
  },
  tag: (key, op, value) => {
    const has = sql`${modelVersionTags.name} = ${modelVersions.name} AND ${modelVersionTags.version} = ${modelVersions.version} AND ${modelVersionTags.key} = ${key}`;
    return key === PROMPT_TAG
      ? sql`COALESCE((SELECT ${modelVersionTags.value} FROM ${modelVersionTags} WHERE ${has}), 'false') ${op} ${value}`
      : sql`EXISTS (SELECT 1 FROM ${modelVersionTags} WHERE ${has} AND ${modelVersionTags.value} ${op} ${value})`;
  },
};

class RegistryFilterParser extends BooleanSqlParser {
  /** Whether the filter mentions the prompt tag (then prompts are not hidden). */
  mentionsPrompt = false;

  constructor(
    tokens: Token[],
    private readonly target: Target,
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
      if (key === PROMPT_TAG) this.mentionsPrompt = true;
      const op = this.parseOperator(id);
      if (!(STRING_OPS as readonly string[]).includes(op)) throw this.fail(id, `the operator ${op} cannot be used with "${id.raw}"; use =, !=, LIKE or ILIKE`);
      const v = this.next();
      if (v.kind !== "string") throw this.fail(v, `"${id.raw}" must be compared with a quoted string, found ${describeToken(v)}`);
      return this.target.tag(key, opSql(op), v.value);
    }
    const field = (prefix === undefined || prefix === "attribute" || prefix === "attributes" || prefix === "attr") && Object.hasOwn(this.target.fields, key) ? this.target.fields[key] : undefined;
    if (!field) throw this.fail(id, `invalid ${this.target.what} search key "${id.raw}", expected ${names} or tags.<key>`);
    const op = this.parseOperator(id);
    if ((LIST_OPS as readonly string[]).includes(op)) {
      if (!field.lists) throw this.fail(id, `${op} cannot be used with "${id.raw}"`);
      const items = sql.join(this.parseStringList().map((v) => sql`${v}`), sql`, `);
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

/** WHERE for registered-models/search; prompts (MLflow 3) are hidden unless the filter asks about them. */
export function compileRegisteredModelFilter(input: string): SQL {
  const hidePrompts = MODEL_TARGET.tag(PROMPT_TAG, opSql("!="), "true");
  if (input.trim() === "") return hidePrompts;
  const parser = new RegistryFilterParser(tokenize(input), MODEL_TARGET);
  const where = parser.parse();
  return parser.mentionsPrompt ? where : sql`(${where}) AND ${hidePrompts}`;
}

/** WHERE for model-versions/search (undefined: no filter). */
export function compileModelVersionFilter(input: string): SQL | undefined {
  if (input.trim() === "") return undefined;
  return new RegistryFilterParser(tokenize(input), VERSION_TARGET).parse();
}

function compileOrderBy(clauses: string[], columns: Readonly<Record<string, AnyColumn>>, what: string): { column: AnyColumn; ascending: boolean }[] {
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

const MODEL_ORDER = {
  name: registeredModels.name,
  timestamp: registeredModels.lastUpdatedTime,
  last_updated_timestamp: registeredModels.lastUpdatedTime,
  creation_timestamp: registeredModels.creationTime,
} as const;

/** Registered models: the given clauses, then name ASC (MLflow's default and tiebreak). */
export function compileRegisteredModelOrderBy(clauses: string[]): SQL[] {
  const out = compileOrderBy(clauses, MODEL_ORDER, "Registered models").map((c) => (c.ascending ? asc(c.column) : desc(c.column)));
  out.push(asc(registeredModels.name));
  return out;
}

const VERSION_ORDER = {
  name: modelVersions.name,
  version_number: modelVersions.version,
  creation_timestamp: modelVersions.creationTime,
  last_updated_timestamp: modelVersions.lastUpdatedTime,
  timestamp: modelVersions.lastUpdatedTime,
} as const;

/** Model versions: the given clauses, then last_updated_timestamp DESC, name ASC, version_number DESC. */
export function compileModelVersionOrderBy(clauses: string[]): SQL[] {
  const out = compileOrderBy(clauses, VERSION_ORDER, "Model versions").map((c) => (c.ascending ? asc(c.column) : desc(c.column)));
  out.push(desc(modelVersions.lastUpdatedTime), asc(modelVersions.name), desc(modelVersions.version));
  return out;
}
