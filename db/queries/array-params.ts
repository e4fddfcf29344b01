/**
 * Many rows as one parameter a column: Postgres array literals, unnested side by side in the statement
 * (`unnest($1::text[], $2::bigint[], …)`). Bulk writes (metric points, trace spans) use them because six or ten
 * bound parameters a row cost several times the insert itself to build, send and parse, and a JSON parameter
 * costs Postgres a parse and a cast a field. Each is one text parameter, so both drivers (postgres, PGlite) take it.
 */

/** A text[] literal: every element quoted and escaped (commas, braces, spaces, "NULL" stay text); null is NULL. */
export function textArray(values: readonly (string | null | undefined)[]): string {
  return `{${values.map((v) => (v == null ? "NULL" : `"${v.replace(/[\\"]/g, "\\$&")}"`)).join(",")}}`;
}

/**
 * A literal for double precision[], bigint[] or integer[]: finite numbers only (the callers map NaN and the
 * infinities first), in JavaScript's shortest form, which Postgres reads back exactly; null is NULL.
 */
export function numberArray(values: readonly (number | null | undefined)[]): string {
  return `{${values.map((v) => (v == null ? "NULL" : String(v))).join(",")}}`;
}

export function boolArray(values: readonly boolean[]): string {
  return `{${values.map((b) => (b ? "t" : "f")).join(",")}}`;
}
