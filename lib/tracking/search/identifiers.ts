/**
 * Identifier rules shared by the filter and order_by parsers:
 * `[entity "."] key`, where a missing entity means a run attribute.
 */
import { clip, syntaxError, type StringToken, type IdentToken, type IdentPart, type SyntaxSubject } from "./lexer";
import type { AttributeValueType, FilterEntity } from "./types";

/** Entity prefixes MLflow accepts (case-sensitive), mapped to the AST entity. */
const ENTITY_PREFIXES: ReadonlyMap<string, FilterEntity> = new Map<string, FilterEntity>([
  ["metric", "metric"],
  ["metrics", "metric"],
  ["param", "param"],
  ["params", "param"],
  ["parameter", "param"],
  ["parameters", "param"],
  ["tag", "tag"],
  ["tags", "tag"],
  ["attribute", "attribute"],
  ["attributes", "attribute"],
  ["attr", "attribute"],
  ["run", "attribute"],
  ["dataset", "dataset"],
  ["datasets", "dataset"],
]);

/**
 * Searchable and orderable run attributes (canonical names) and their value
 * types. `lifecycle_stage` is an Atrium extension; MLflow only exposes it via
 * `run_view_type`.
 */
const RUN_ATTRIBUTES: ReadonlyMap<string, AttributeValueType> = new Map<string, AttributeValueType>([
  ["run_id", "string"],
  ["run_name", "string"],
  ["status", "string"],
  ["user_id", "string"],
  ["artifact_uri", "string"],
  ["lifecycle_stage", "string"],
  ["start_time", "number"],
  ["end_time", "number"],
]);

/** MLflow's attribute aliases (exact spelling), mapped to canonical names. */
const ATTRIBUTE_ALIASES: ReadonlyMap<string, string> = new Map([
  ["created", "start_time"],
  ["Created", "start_time"],
  ["run name", "run_name"],
  ["Run name", "run_name"],
  ["Run Name", "run_name"],
]);

/** Keys valid after `datasets.`. */
const DATASET_KEYS: readonly string[] = ["name", "digest", "context"];

/**
 * Canonical attribute name for `name` (resolving aliases such as `created`),
 * or undefined if it is not a run attribute.
 */
function canonicalAttribute(name: string): string | undefined {
  const canonical = ATTRIBUTE_ALIASES.get(name) ?? name;
  return RUN_ATTRIBUTES.has(canonical) ? canonical : undefined;
}

export interface ResolvedIdentifier {
  entity: FilterEntity;
  /** Unquoted, normalised key. */
  key: string;
  /** Whether values compared with this identifier are numbers or strings. */
  valueType: AttributeValueType;
  /** The identifier as written, for error messages. */
  label: string;
}

const ATTRIBUTE_LIST = [...RUN_ATTRIBUTES.keys(), ...ATTRIBUTE_ALIASES.keys()]
  .filter((name) => !name.includes(" ") && name !== "Created")
  .join(", ");

/**
 * Resolve an identifier token (a dotted name, or a double-quoted string in
 * identifier position such as `"run name"`) to an entity and key.
 * Throws FilterSyntaxError for unknown entities, attributes and dataset keys.
 */
export function resolveIdentifier(token: IdentToken | StringToken, subject: SyntaxSubject): ResolvedIdentifier {
  const parts: IdentPart[] = token.kind === "ident" ? token.parts : [{ text: token.value, quote: '"', start: token.start }];
  const label = clip(token.raw);
  const [first, ...rest] = parts;
  if (first === undefined) throw syntaxError(subject, token.start, "expected an identifier");

  if (rest.length === 0) {
    if (first.quote === null && ENTITY_PREFIXES.has(first.text)) {
      throw syntaxError(subject, token.end, `expected a key after "${first.text}", such as ${first.text}.<key>`);
    }
    return resolveAttribute(first.text, first.start, label, subject, true);
  }

  const entity = ENTITY_PREFIXES.get(first.text);
  if (entity === undefined) {
    throw syntaxError(
      subject,
      first.start,
      `unknown entity type "${clip(first.text)}" in "${label}", expected metrics, params, tags, attributes or datasets`,
    );
  }

  const keyStart = rest[0]?.start ?? token.end;
  const quoted = rest.find((part) => part.quote !== null);
  if (quoted !== undefined && rest.length > 1) {
    throw syntaxError(
      subject,
      quoted.start,
      `a quoted key must be the whole key after "${clip(first.text)}.", for example ${first.text}.\`a.b\``,
    );
  }
  const key = rest.map((part) => part.text).join(".");
  if (key === "") {
    throw syntaxError(subject, keyStart, `the key after "${clip(first.text)}." is empty`);
  }

  switch (entity) {
    case "metric":
      return { entity, key, valueType: "number", label };
    case "param":
    case "tag":
      return { entity, key, valueType: "string", label };
    case "attribute":
      return resolveAttribute(key, keyStart, label, subject, false);
    case "dataset":
      if (!DATASET_KEYS.includes(key)) {
        throw syntaxError(
          subject,
          keyStart,
          `unknown dataset field "${clip(key)}", expected datasets.name, datasets.digest or datasets.context`,
        );
      }
      return { entity, key, valueType: "string", label };
  }
}

function resolveAttribute(name: string, position: number, label: string, subject: SyntaxSubject, bare: boolean): ResolvedIdentifier {
  const key = canonicalAttribute(name);
  const valueType = key === undefined ? undefined : RUN_ATTRIBUTES.get(key);
  if (key === undefined || valueType === undefined) {
    const k = /^[\p{L}_][\p{L}\p{N}_]*$/u.test(name) ? name : `\`${name}\``;
    const hint = bare ? `, or use metrics.${clip(k)}, params.${clip(k)} or tags.${clip(k)} for run data` : "";
    throw syntaxError(subject, position, `unknown attribute "${clip(name)}", expected one of ${ATTRIBUTE_LIST}${hint}`);
  }
  return { entity: "attribute", key, valueType, label };
}
