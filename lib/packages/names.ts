/**
 * Package names as the index and pip see them. PEP 503 normalisation makes "Foo.Bar", "foo_bar" and
 * "FOO-bar" one project; PEP 508 says which names may be asked for at all. Checking a name here is
 * what keeps option injection ("--index-url=...") out of pip's command line.
 */

/** PEP 508: letters and digits at both ends, ".", "_" and "-" inside. */
const PEP508_NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;
export const MAX_NAME_LENGTH = 200;

/** PEP 503: lower case, every run of "-", "_" and "." becomes one "-". */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

export function isValidProjectName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && PEP508_NAME.test(name);
}
