/**
 * The index client and catalog against real indexes served on this machine from wheels built here:
 * an HTML-only PEP 503 index and a PEP 691 JSON one, plus a dead and a silent index.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "@/lib/http/api-error";
import { PackageCatalog } from "./catalog";
import { SimpleIndexClient, SIMPLE_ACCEPT } from "./simple-client";
import { closedPortUrl, startSilentIndex, startTestIndex, type TestDist, type TestIndex } from "./test-index";

const DISTS: TestDist[] = [
  { name: "Atrium_Demo.Pkg", version: "1.0.0", summary: "A demo package for Atrium's tests.", sdist: true },
  { name: "Atrium_Demo.Pkg", version: "1.1.0", summary: "A demo package for Atrium's tests.", requiresPython: ">=3.8" },
  { name: "Atrium_Demo.Pkg", version: "2.0.0b1", summary: "A demo package for Atrium's tests." },
  { name: "Atrium_Demo.Pkg", version: "1.2.0", summary: "A demo package for Atrium's tests.", yanked: "broken import" },
  { name: "atrium-other", version: "0.1", summary: "Another one." },
];
const EXTRA = ["numpy", "numpy-financial", "pandas", "anumpy"];

for (const format of ["html", "json"] as const) {
  describe(`a ${format === "html" ? "PEP 503 HTML-only" : "PEP 691 JSON"} index`, () => {
    let index: TestIndex;
    let catalog: PackageCatalog;
    beforeAll(async () => {
      index = await startTestIndex({ format, dists: DISTS, extraProjects: EXTRA });
      catalog = new PackageCatalog(new SimpleIndexClient({ url: index.url }));
    });
    afterAll(() => index.stop());

    it("asks for JSON first and reads whichever format the index sends", async () => {
      const client = new SimpleIndexClient({ url: index.url });
      const list = await client.listProjects();
      expect(list.format).toBe(format);
      expect(list.names.sort()).toEqual(["Atrium_Demo.Pkg", "anumpy", "atrium-other", "numpy", "numpy-financial", "pandas"]);
      expect(index.requests.at(-1)).toEqual({ path: "/simple/", accept: SIMPLE_ACCEPT });
    });

    it("searches on the server side, exact name first, and pages", async () => {
      const first = await catalog.search("NumPy", 0, 2);
      expect(first.total).toBe(3);
      expect(first.items.map((i) => i.name)).toEqual(["numpy", "numpy-financial"]);
      const second = await catalog.search("numpy", 2, 2);
      expect(second.items.map((i) => i.name)).toEqual(["anumpy"]);
      expect(second.format).toBe(format);
    });

    it("finds a project under any spelling of its name, with latest ignoring pre-releases and yanked versions", async () => {
      const hits = await catalog.search("atrium.demo_PKG", 0, 10);
      expect(hits.items).toEqual([{ name: "Atrium_Demo.Pkg", latest: "1.1.0" }]);
      expect((await catalog.search("  atrium demo ", 0, 10)).items.map((i) => i.name)).toEqual(["Atrium_Demo.Pkg"]);
      const d = await catalog.get("ATRIUM-demo-pkg");
      expect(d.versions.map((v) => v.version)).toEqual(["2.0.0b1", "1.2.0", "1.1.0", "1.0.0"]);
      expect(d.versions.map((v) => [v.version, v.yanked, v.prerelease])).toEqual([
        ["2.0.0b1", false, true],
        ["1.2.0", true, false],
        ["1.1.0", false, false],
        ["1.0.0", false, false],
      ]);
      expect(d.versions[1]?.yankedReason).toBe("broken import");
      expect(d.versions[2]?.requiresPython).toBe(">=3.8");
      expect(d.versions[3]?.kinds.sort()).toEqual(["sdist", "wheel"]);
      expect(d.latest).toBe("1.1.0");
      expect(d.files).toHaveLength(5);
      expect(d.files.find((f) => f.kind === "sdist")?.filename).toBe("Atrium_Demo.Pkg-1.0.0.tar.gz");
      expect(d.files[0]?.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${index.port}/files/atrium_demo_pkg-`));
      expect(d.files[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
      // Only the JSON index has the /pypi/<name>/json API.
      expect(d.summary).toBe(format === "json" ? "A demo package for Atrium's tests." : undefined);
    });

    it("says 404 with the name for a package the index does not have", async () => {
      const err = await catalog.get("no-such-thing").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({
        status: 404,
        code: "package_not_found",
        message: 'The package index has no package called "no-such-thing".',
      });
    });
  });
}

describe("an index that is down or too slow", () => {
  it("refused connections become a 502 with a sentence, at once", async () => {
    const url = await closedPortUrl();
    const t0 = Date.now();
    const err = await new PackageCatalog(new SimpleIndexClient({ url })).search("x", 0, 10).catch((e: unknown) => e);
    expect(err).toMatchObject({
      status: 502,
      code: "index_unreachable",
      message: `The package index at ${url} cannot be reached (connection refused).`,
    });
    expect(Date.now() - t0).toBeLessThan(2_000);
  });

  it("an index that never answers becomes a 504 within the deadline", async () => {
    const silent = await startSilentIndex();
    try {
      const t0 = Date.now();
      const err = await new SimpleIndexClient({ url: silent.url, answerTimeoutMs: 1_500 }).getProject("numpy").catch((e: unknown) => e);
      const took = Date.now() - t0;
      expect(err).toMatchObject({
        status: 504,
        code: "index_timeout",
        message: `The package index at ${silent.url} did not answer within 1.5 s.`,
      });
      expect(took).toBeGreaterThanOrEqual(1_400);
      expect(took).toBeLessThan(3_000);
    } finally {
      await silent.stop();
    }
  });

  it("answers searches from the cached project list while the index is down", async () => {
    const index = await startTestIndex({ format: "json", dists: DISTS.slice(4) });
    const catalog = new PackageCatalog(new SimpleIndexClient({ url: index.url }));
    const before = await catalog.search("", 0, 10);
    expect(before.items.map((i) => i.name)).toEqual(["atrium-other"]);
    await index.stop();
    // Still within the TTL: answered from the cache without asking the index.
    const after = await catalog.search("atrium", 0, 10);
    expect(after).toMatchObject({ total: 1, stale: false });
  });
});
