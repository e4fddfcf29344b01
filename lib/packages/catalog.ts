/**
 * The package catalog people browse: the index's project list cached for a few minutes and searched
 * here (a proxy may list hundreds of thousands of projects, and the Simple API has no search), and
 * project pages cached for a minute, with the summary from the JSON API where there is one.
 */
import { notFound } from "@/lib/http/api-error";
import { indexNotConfigured } from "./errors";
import { normalizeName } from "./names";
import { SimpleIndexClient, type ProjectFile, type VersionInfo } from "./simple-client";
import { TtlCache } from "./ttl-cache";
import { mapLimit } from "@/lib/util/map-limit";
import { partKey, runtime } from "@/lib/runtime/context";

const LIST_TTL_MS = 5 * 60_000;
const PAGE_TTL_MS = 60_000;

interface ListedProject {
  name: string;
  normalized: string;
}

interface PackageHit {
  name: string;
  latest?: string;
}

export interface PackageSearch {
  q: string;
  total: number;
  offset: number;
  limit: number;
  items: PackageHit[];
  index: string;
  format: "json" | "html";
  /** When the project list was read from the index (ISO time). */
  listedAt: string;
  /** The index failed just now; these results come from an older copy. */
  stale: boolean;
}

export interface PackageDetail {
  name: string;
  summary?: string;
  latest?: string;
  versions: VersionInfo[];
  files: ProjectFile[];
  index: string;
  format: "json" | "html";
}

export class PackageCatalog {
  readonly client: SimpleIndexClient;
  private readonly lists = new TtlCache<{ format: "json" | "html"; projects: ListedProject[] }>(LIST_TTL_MS, 1);
  private readonly pages = new TtlCache<PackageDetail | null>(PAGE_TTL_MS, 500);

  constructor(client: SimpleIndexClient) {
    this.client = client;
  }

  async search(q: string, offset: number, limit: number): Promise<PackageSearch> {
    const list = await this.lists.get("all", async () => {
      const { format, names } = await this.client.listProjects();
      const projects = names.map((name) => ({ name, normalized: normalizeName(name) }));
      projects.sort((a, b) => (a.normalized < b.normalized ? -1 : a.normalized > b.normalized ? 1 : 0));
      return { format, projects };
    });
    const matches = rank(list.value.projects, q);
    const page = matches.slice(offset, offset + limit);
    const items = await mapLimit(page, 6, async (p): Promise<PackageHit> => {
      // The latest version is a nicety on a results page: a project page that fails leaves it out.
      const latest = await this.detail(p.name).then(
        (d) => d?.latest,
        () => undefined,
      );
      return latest ? { name: p.name, latest } : { name: p.name };
    });
    return {
      q,
      total: matches.length,
      offset,
      limit,
      items,
      index: this.client.label,
      format: list.value.format,
      listedAt: new Date(list.at).toISOString(),
      stale: list.stale,
    };
  }

  /** The project, or a 404 ApiError naming it. */
  async get(name: string): Promise<PackageDetail> {
    const d = await this.detail(name);
    if (!d) throw notFound("package_not_found", `The package index has no package called "${name}".`);
    return d;
  }

  private async detail(name: string): Promise<PackageDetail | null> {
    const key = normalizeName(name);
    const { value } = await this.pages.get(key, async () => {
      const [page, meta] = await Promise.all([this.client.getProject(key), this.client.getSummary(key)]);
      if (!page) return null;
      const d: PackageDetail = {
        name: meta?.name && normalizeName(meta.name) === key ? meta.name : page.name,
        versions: page.versions,
        files: page.files,
        index: this.client.label,
        format: page.format,
      };
      if (page.latest) d.latest = page.latest;
      if (meta?.summary) d.summary = meta.summary;
      return d;
    });
    return value;
  }
}

/** Exact name first, then names starting with the query, then names containing it; shorter first within each. */
export function rank(projects: ListedProject[], q: string): ListedProject[] {
  // Spaces count as separators too: "scikit learn" finds scikit-learn.
  const needle = normalizeName(q.trim().replace(/\s+/g, "-"));
  if (!needle) return projects;
  const hits: { p: ListedProject; r: number }[] = [];
  for (const p of projects) {
    const i = p.normalized.indexOf(needle);
    if (i < 0) continue;
    hits.push({ p, r: p.normalized === needle ? 0 : i === 0 ? 1 : 2 });
  }
  hits.sort((a, b) => a.r - b.r || a.p.normalized.length - b.p.normalized.length || (a.p.normalized < b.p.normalized ? -1 : 1));
  return hits.map((h) => h.p);
}

const PYPI_CATALOGS = partKey<Map<string, PackageCatalog>>("PyPI catalogs by index URL");

/** One catalog (and so one cache) per index URL per process (lib/runtime/context.ts). */
export function catalogFor(indexUrl: string | undefined): PackageCatalog {
  if (!indexUrl) throw indexNotConfigured();
  const catalogs = runtime.part(PYPI_CATALOGS, () => new Map<string, PackageCatalog>());
  let c = catalogs.get(indexUrl);
  if (!c) {
    c = new PackageCatalog(new SimpleIndexClient({ url: indexUrl }));
    catalogs.set(indexUrl, c);
  }
  return c;
}
