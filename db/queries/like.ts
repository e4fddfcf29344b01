/** `q` as a LIKE pattern matches it literally: `\`, `%` and `_` escaped with Postgres' default escape character. */
export function escapeLike(q: string): string {
  return q.replace(/[\\%_]/g, (c) => `\\${c}`);
}
