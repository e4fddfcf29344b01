/**
 * `append_to_uri_path` (mlflow/utils/uri.py): joins path parts onto a URI's path, keeping its query string and
 * fragment where they are, so `s3://bucket/exp?region=eu` gives runs `s3://bucket/exp/<run>/artifacts?region=eu`.
 * A location without a scheme is a plain path and is joined as one.
 */
export function appendToUriPath(uri: string, ...parts: string[]): string {
  const hasScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri);
  const cut = hasScheme ? uri.search(/[?#]/) : -1;
  const base = cut === -1 ? uri : uri.slice(0, cut);
  const suffix = cut === -1 ? "" : uri.slice(cut);
  const joined = [base.replace(/\/+$/, ""), ...parts.map((p) => p.replace(/^\/+|\/+$/g, ""))].join("/");
  return joined + suffix;
}
