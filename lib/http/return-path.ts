/**
 * Where sign-in sends a person back to (`/signin?next=/jobs/x`): a path on this portal only. Anything a
 * browser could read as another origin (`//evil.example`, `/\evil.example`, a scheme, control characters)
 * becomes "/", so the parameter cannot be turned into an open redirect.
 */
export function returnPath(next: unknown): string {
  if (typeof next !== "string" || next.length > 2000) return "/";
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  // Browsers drop tabs and newlines from URLs and treat "\" as "/": "/\t/evil" would be "//evil".
  if ([...next].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f || c === "\\")) return "/";
  if (next === "/signin" || next.startsWith("/signin?") || next.startsWith("/api/auth")) return "/";
  return next;
}

/** The sign-in page, returning to `path` afterwards. */
export function signInPath(path: string): string {
  const back = returnPath(path);
  return back === "/" ? "/signin" : `/signin?next=${encodeURIComponent(back)}`;
}
