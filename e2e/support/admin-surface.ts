import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The whole admin surface, read from the source so a new admin page or route is tested the moment it
 * exists: every page that calls requireAdmin() and every route method wrapped in withAdmin().
 * Everything under app/admin/ and app/api/admin/ must be admin-only; a file there that is not is
 * reported as a problem instead of being skipped.
 */
const APP = path.resolve(import.meta.dirname, "..", "..", "app");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

export interface AdminPage {
  file: string;
  /** e.g. /admin/users/[name] */
  route: string;
}
export interface AdminApi extends AdminPage {
  method: (typeof METHODS)[number];
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

function routeOf(file: string): string {
  const rel = path
    .relative(APP, path.dirname(file))
    .split(path.sep)
    .filter((s) => s && !/^\(.*\)$/.test(s));
  return `/${rel.join("/")}`;
}

/** Methods of a route file that go through withAdmin, directly or through a variable. */
function adminMethods(source: string): { admin: string[]; all: string[] } {
  const adminVars = new Set([...source.matchAll(/const\s+(\w+)\s*=\s*withAdmin\s*[(<]/g)].map((m) => m[1]));
  const admin: string[] = [];
  const all: string[] = [];
  for (const m of source.matchAll(/export\s+const\s+(GET|POST|PUT|PATCH|DELETE)\s*=\s*(\w+)/g)) {
    const [, method = "", value = ""] = m;
    all.push(method);
    if (value === "withAdmin" || adminVars.has(value)) admin.push(method);
  }
  return { admin, all };
}

/** Every method a route file exports: `export const GET =`, `export function GET`, `export { GET } from` and `export const { GET } =`. */
function exportedMethods(source: string): string[] {
  const found = new Set<string>();
  for (const m of source.matchAll(/export\s+(?:async\s+)?(?:const|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) found.add(m[1] ?? "");
  for (const m of source.matchAll(/export\s+(?:const\s+)?\{([^}]*)\}/g)) {
    for (const name of (m[1] ?? "").split(",").map((n) => n.trim())) if ((METHODS as readonly string[]).includes(name)) found.add(name);
  }
  return METHODS.filter((m) => found.has(m));
}

export interface ApiRoute extends AdminApi {
  admin: boolean;
}

/** Every route handler under app/ (app/api, app/ajax-api, /health, /version), admin-only or not: the surface bad input is thrown at. */
export function scanApiRoutes(): ApiRoute[] {
  const routes: ApiRoute[] = [];
  for (const file of walk(APP)) {
    if (!/\/route\.ts$/.test(file)) continue;
    const route = routeOf(file);
    const source = readFileSync(file, "utf8");
    const { admin } = adminMethods(source);
    for (const method of exportedMethods(source)) {
      routes.push({
        file: path.relative(path.dirname(APP), file),
        route,
        method: method as ApiRoute["method"],
        admin: admin.includes(method),
      });
    }
  }
  return routes;
}

export function scanAdminSurface(): { pages: AdminPage[]; apis: AdminApi[]; problems: string[] } {
  const pages: AdminPage[] = [];
  const apis: AdminApi[] = [];
  const problems: string[] = [];
  for (const file of walk(APP)) {
    const rel = path.relative(path.dirname(APP), file);
    const route = routeOf(file);
    const source = readFileSync(file, "utf8");
    if (/\/page\.tsx$/.test(file)) {
      const admin = /\brequireAdmin\s*\(/.test(source);
      if (admin) pages.push({ file: rel, route });
      else if (route.startsWith("/admin")) problems.push(`${rel} is under /admin but does not call requireAdmin()`);
    }
    if (/\/route\.ts$/.test(file)) {
      const { admin, all } = adminMethods(source);
      for (const method of admin) apis.push({ file: rel, route, method: method as AdminApi["method"] });
      if (route.startsWith("/api/admin")) {
        for (const method of all.filter((m) => !admin.includes(m)))
          problems.push(`${method} ${route} is under /api/admin but not wrapped in withAdmin`);
      }
    }
  }
  return { pages, apis, problems };
}

/** Every page route under app/ (e.g. /models/[name]/versions/[version]), admin-only or not. */
export function scanPages(): string[] {
  return walk(APP)
    .filter((f) => /\/page\.tsx$/.test(f))
    .map(routeOf)
    .sort();
}

/** A concrete URL for a route pattern: each dynamic segment gets a sample value. */
export function concrete(route: string, samples: Record<string, string>): string {
  return route.replace(/\[\[?(?:\.\.\.)?(\w+)\]?\]/g, (_, name: string) => encodeURIComponent(samples[name] ?? "x"));
}
