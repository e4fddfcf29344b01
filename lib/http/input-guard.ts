/**
 * Checks every piece of input at the one place it is parsed (JSON bodies, query strings, path segments),
 * so no endpoint has to: Postgres refuses NUL in text (error 22021, which would surface as a 500), and
 * deeply nested JSON can exhaust a recursive walk or Postgres's stack when stored as jsonb.
 */

/** Deeper than any real request (MLflow's nest a few levels); deeper ones are refused, not walked. */
export const MAX_JSON_DEPTH = 64;

export type InputProblem = { kind: "nul"; where: string } | { kind: "depth"; where: string };

const hasNul = (s: string) => s.includes("\u0000");

/** A readable location: `"tags.0.key"`; the body itself is "the request body". */
function where(path: readonly (string | number)[]): string {
  return path.length ? `"${path.join(".")}"` : "The request body";
}

/**
 * The first NUL character (in a string or an object key) or over-deep nesting in a parsed JSON value.
 * Iterative, so a value nested as deep as the body cap allows cannot overflow the call stack here.
 */
export function findInputProblem(value: unknown): InputProblem | undefined {
  const stack: { value: unknown; path: (string | number)[] }[] = [{ value, path: [] }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { value: v, path } = item;
    if (typeof v === "string") {
      if (hasNul(v)) return { kind: "nul", where: where(path) };
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (path.length >= MAX_JSON_DEPTH) return { kind: "depth", where: where(path) };
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], path: [...path, i] });
      continue;
    }
    for (const [k, child] of Object.entries(v)) {
      if (hasNul(k)) return { kind: "nul", where: `A field name in ${where(path).replace(/^The/, "the")}` };
      stack.push({ value: child, path: [...path, k] });
    }
  }
  return undefined;
}

/** How deep the text's arrays and objects nest (brackets inside strings do not count); the text is valid JSON. */
function jsonNesting(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/**
 * findInputProblem of `value`, parsed from the JSON `text`, answered from the text in one pass when it is clean:
 * JSON can carry NUL only as the escape `\u0000` (a raw control character in a string does not parse), so a text
 * without that escape and nesting less deep than the cap has no problem, and only a suspect one is walked (for
 * the problem's location). Log batches carry thousands of values; the walk costs several times the parse.
 */
export function findInputProblemInJson(text: string, value: unknown): InputProblem | undefined {
  if (!text.includes("\\u0000") && jsonNesting(text) < MAX_JSON_DEPTH) return undefined;
  return findInputProblem(value);
}

/** The first NUL in query parameters or path segments (names and values). */
export function findNulInPairs(pairs: Iterable<readonly [string, string | readonly string[] | undefined]>): InputProblem | undefined {
  for (const [k, v] of pairs) {
    const values = v === undefined ? [] : typeof v === "string" ? [v] : v;
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
    if (hasNul(k) || values.some(hasNul)) return { kind: "nul", where: `"${k.replace(/\u0000/g, "\\u0000")}"` };
  }
  return undefined;
}

/** One sentence for a problem, the same in both error formats. */
export function describeInputProblem(p: InputProblem): string {
  if (p.kind === "nul") return `${p.where} contains a NUL character (\\u0000), which text may not contain.`;
  return `${p.where} is nested more than ${MAX_JSON_DEPTH} levels deep.`;
}
