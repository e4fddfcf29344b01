/**
 * Where sign-in sends a person back to (`/signin?next=/jobs/x`): a path on this portal only. Anything a
 * browser could read as another origin (`//evil.example`, `/\evil.example`, a scheme, control characters)
 * becomes "/", so the parameter cannot be turned into an open redirect.
 */
export function returnPath(next: unknown): string {
  if (typeof next !== "string" || next.length > 2000) return "/";
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  // Browsers drop tabs and newlines from URLs and treat "\" as "/": "/\t/evil" would be "//evil".
  if (/[\u0000-\u001f\u007f\\]/.test(next)) return "/";
  if (next === "/signin" || next.startsWith("/signin?") || next.startsWith("/api/auth")) return "/";
  return next;
}

/** The sign-in page, returning to `path` afterwards. */
export function signInPath(path: string): string {
  const back = returnPath(path);
  return back === "/" ? "/signin" : `/signin?next=${encodeURIComponent(back)}`;
}
