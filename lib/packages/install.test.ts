/**
 * Installing into a real workspace on the real engine: pip inside the container fetches a wheel from
 * an index served by this test (reached through host.docker.internal), and the package imports.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import type { DbHandle } from "@/db/client";
import { findServer } from "@/db/queries/servers";
import { insertEnvironment } from "@/db/queries/environments";
import { findUser, insertUser } from "@/db/queries/users";
import { auditEvents } from "@/db/schema";
import { openTestDatabase } from "@/db/testing";
import type { Principal } from "@/lib/auth/principal";
import { bindIds } from "@/lib/auth/testing";
import { ApiError } from "@/lib/http/api-error";
import { DockerSpawner } from "@/lib/spawner";
import { engineReadiness, SEEDED_IMAGE, TEST_IMAGE } from "@/lib/spawner/testing";
import { workspaceRef } from "@/lib/workspaces/workload";
import { startServer } from "@/lib/workspaces/start";
import { stopServer } from "@/lib/workspaces/stop";
import { startInstall, type InstallEvent } from "./install";
import { listInstalled } from "./installed";
import { startTestIndex, type TestIndex } from "./test-index";
import { peakRssGrowth } from "@/lib/util/rss-testing";

const CI = Boolean(process.env.CI);
const notReady = (await engineReadiness(SEEDED_IMAGE)) ?? (await engineReadiness(TEST_IMAGE));
if (notReady && !CI) console.warn(`[packages/install.test] skipped: ${notReady}`);

const user = `pkgd${Date.now().toString(36)}`;
const me: Principal = { name: user, role: "user", admin: false, via: "token" };
const other = `${user}c`;
const them: Principal = { name: other, role: "user", admin: false, via: "token" };
const spawner = new DockerSpawner();
let handle: DbHandle;
const db = () => handle.db;
let jsonIndex: TestIndex;
let htmlIndex: TestIndex;

async function collect(events: AsyncIterable<InstallEvent>): Promise<InstallEvent[]> {
  const out: InstallEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

async function python(code: string): Promise<string> {
  const exec = await spawner.exec(workspaceRef({ user, server: "default" }), ["python3", "-c", code]);
  const lines: string[] = [];
  for await (const l of exec.output) lines.push(l);
  expect(await exec.exitCode, lines.join("\n")).toBe(0);
  return lines.join("\n");
}

describe.skipIf(notReady !== undefined && !CI)("installing into a real workspace", () => {
  beforeAll(async () => {
    if (notReady) throw new Error(`package install tests cannot run in CI: ${notReady}`);
    handle = await openTestDatabase("pglite");
    await insertUser(db(), { name: user, role: "user", roleSource: "admin" });
    await bindIds(db(), me);
    const dists = [
      { name: "Atrium_Demo.Pkg", version: "1.0.0", summary: "demo" },
      { name: "Atrium_Demo.Pkg", version: "1.1.0", summary: "demo" },
    ];
    // On all interfaces so the container reaches it through the engine's bridge.
    [jsonIndex, htmlIndex] = await Promise.all([
      startTestIndex({ format: "json", dists, host: "0.0.0.0" }),
      startTestIndex({ format: "html", dists, host: "0.0.0.0" }),
    ]);
  });

  afterAll(async () => {
    for (const name of [user, other]) {
      await spawner.remove(workspaceRef({ user: name, server: "default" })).catch(() => undefined);
      const home = (await findUser(db(), name))?.homeVolume;
      if (home) await spawner.removeVolume(home).catch(() => undefined);
    }
    await Promise.all([jsonIndex?.stop(), htmlIndex?.stop()]);
    await handle?.close();
  });

  it("refuses with 409 while the workspace is not running", async () => {
    await expect(
      startInstall(db(), spawner, me, user, "default", { name: "x" }, jsonIndex.urlVia("host.docker.internal")),
    ).rejects.toMatchObject({
      status: 404,
      code: "server_not_found",
    });
    await startServer(db(), spawner, me, user, "default", { environment: "python", cpu: 0.5, memGb: 0.5 });
    // Still pending: pip must not run yet.
    const err = await startInstall(db(), spawner, me, user, "default", { name: "x" }, jsonIndex.urlVia("host.docker.internal")).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 409,
      code: "server_not_running",
      message: `The workspace ${user}/default is pending, not running; start it first.`,
    });
    const t0 = Date.now();
    while ((await findServer(db(), user, "default"))?.status !== "running") {
      if (Date.now() - t0 > 120_000) throw new Error("the workspace did not start");
      await new Promise((r) => setTimeout(r, 250));
    }
  }, 150_000);

  it("installs the newest version from the PEP 691 index, streams pip's output, audits it, and the package imports", async () => {
    const events = await collect(
      await startInstall(db(), spawner, me, user, "default", { name: "atrium-demo-pkg" }, jsonIndex.urlVia("host.docker.internal")),
    );
    const lines = events.filter((e) => e.type === "line").map((e) => (e as { line: string }).line);
    expect(events[0]).toEqual({ type: "start", requirement: "atrium-demo-pkg", command: "pip install atrium-demo-pkg" });
    expect(lines.some((l) => l.startsWith("Successfully installed"))).toBe(true);
    // The image makes the user site folder at start, so kernels already running see the install.
    expect(events.at(-1)).toEqual({
      type: "done",
      ok: true,
      exitCode: 0,
      installedVersion: "1.1.0",
      message: `Installed atrium-demo-pkg 1.1.0 into ${user}/default.`,
      runningKernelsSeeIt: true,
    });
    expect(await python("import atrium_demo_pkg; print(atrium_demo_pkg.GREETING)")).toBe("hello from atrium_demo_pkg 1.1.0");
    // pip asked the index for JSON (PEP 691) and fetched the wheel from it.
    expect(
      jsonIndex.requests.some((r) => r.path === "/simple/atrium-demo-pkg/" && r.accept.includes("application/vnd.pypi.simple.v1+json")),
    ).toBe(true);
    expect(jsonIndex.requests.some((r) => r.path === "/files/atrium_demo_pkg-1.1.0-py3-none-any.whl")).toBe(true);
    const audit = await db().select().from(auditEvents).where(eq(auditEvents.action, "package.install"));
    expect(audit.map((a) => [a.actor, a.target, a.detail])).toEqual([
      [user, `${user}/default`, { package: "atrium-demo-pkg", version: null, installedVersion: "1.1.0", exitCode: 0, ok: true }],
    ]);
  }, 90_000);

  it("pins a version from the HTML-only index, and lists it as installed in the home volume", async () => {
    const events = await collect(
      await startInstall(
        db(),
        spawner,
        me,
        user,
        "default",
        { name: "Atrium_Demo.Pkg", version: "1.0.0" },
        htmlIndex.urlVia("host.docker.internal"),
      ),
    );
    expect(events.at(-1)).toMatchObject({
      type: "done",
      ok: true,
      installedVersion: "1.0.0",
      message: `Installed Atrium_Demo.Pkg==1.0.0 into ${user}/default.`,
    });
    expect(await python("import atrium_demo_pkg; print(atrium_demo_pkg.__version__)")).toBe("1.0.0");
    const installed = await listInstalled(db(), spawner, me, user, "default");
    const mine = installed.filter((p) => p.inHome);
    expect(mine.map((p) => [p.name, p.version])).toEqual([["Atrium_Demo.Pkg", "1.0.0"]]);
    expect(mine[0]?.location).toMatch(/^\/home\/jovyan\/\.local\/lib\/python3\.\d+\/site-packages$/);
    // PIP_USER=0 for the list: the image's own packages are there too.
    expect(installed.find((p) => p.name === "pip")?.inHome).toBe(false);
  }, 90_000);

  it("reports pip's failure for a version the index does not have, and audits it as failed", async () => {
    const events = await collect(
      await startInstall(
        db(),
        spawner,
        me,
        user,
        "default",
        { name: "atrium-demo-pkg", version: "9.9.9" },
        jsonIndex.urlVia("host.docker.internal"),
      ),
    );
    expect(events.at(-1)).toMatchObject({
      type: "done",
      ok: false,
      exitCode: 1,
      message: "pip failed with exit code 1: No matching distribution found for atrium-demo-pkg==9.9.9.",
    });
    const audit = await db().select().from(auditEvents).where(eq(auditEvents.action, "package.install"));
    expect(audit.at(-1)?.detail).toMatchObject({ version: "9.9.9", ok: false, exitCode: 1 });
  }, 90_000);

  it("refuses a package list from a workspace whose Python prints without end, at once and without growing the portal", async () => {
    // A usercustomize.py in the home volume runs with every interpreter; this one floods stdout when
    // PIP_USER=0, as the package list runs pip. Before the bounded reader the portal kept every line.
    const bomb =
      'import os, sys\nif os.environ.get("PIP_USER") == "0":\n    line = "x" * 1023 + "\\n"\n    while True:\n        sys.stdout.write(line)\n';
    const file = "os.path.join(site.getusersitepackages(), 'usercustomize.py')";
    await python(
      `import os, site; os.makedirs(site.getusersitepackages(), exist_ok=True); open(${file}, 'w').write(${JSON.stringify(bomb)})`,
    );
    try {
      const t0 = Date.now();
      const { result, growth, samples } = await peakRssGrowth(() =>
        listInstalled(db(), spawner, me, user, "default").catch((e: unknown) => e),
      );
      expect(result).toBeInstanceOf(ApiError);
      expect(result).toMatchObject({
        status: 502,
        code: "output_limit",
        message: "pip printed more than 8 MiB; the package list was not read.",
      });
      expect(growth).toBeLessThan(50 * 1024 * 1024);
      // The process kept answering (its timer ran) and the refusal came at the cap, not at the deadline.
      expect(samples).toBeGreaterThan(0);
      expect(Date.now() - t0).toBeLessThan(60_000);
      // The abandoned pip is ended, not left printing into an engine that drains it for ever.
      const listing = `import os\nn = 0\nfor p in filter(str.isdigit, os.listdir("/proc")):\n    try: n += b"pip\\0list\\0-v" in open(f"/proc/{p}/cmdline", "rb").read()\n    except OSError: pass\nprint(n)`;
      let left = "1";
      for (let i = 0; i < 40 && left !== "0"; i++) {
        left = await python(listing);
        if (left !== "0") await new Promise((r) => setTimeout(r, 250));
      }
      expect(left).toBe("0");
    } finally {
      await python(`import os, site; os.remove(${file})`);
    }
    expect((await listInstalled(db(), spawner, me, user, "default")).some((p) => p.name === "pip")).toBe(true);
  }, 120_000);

  it("keeps installs across a restart: the user site is in the home volume", async () => {
    await stopServer(db(), spawner, me, user, "default");
    const s0 = Date.now();
    while ((await findServer(db(), user, "default"))?.status !== "stopped") {
      if (Date.now() - s0 > 30_000) throw new Error("the workspace did not stop");
      await new Promise((r) => setTimeout(r, 250));
    }
    await startServer(db(), spawner, me, user, "default", { environment: "python", cpu: 0.5, memGb: 0.5 });
    const t0 = Date.now();
    while ((await findServer(db(), user, "default"))?.status !== "running") {
      if (Date.now() - t0 > 120_000) throw new Error("the workspace did not restart");
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(await python("import atrium_demo_pkg; print(atrium_demo_pkg.__version__)")).toBe("1.0.0");
    expect((await findUser(db(), user))?.homeVolume).toMatch(/^atrium-home-[0-9a-f]{32}$/);
  }, 180_000);

  it("says a restart is needed when pip had to create the user site folder (an image that does not make it at start)", async () => {
    await insertEnvironment(db(), {
      id: "classic",
      name: "Notebook 6",
      description: "does not create ~/.local/lib/python3.X/site-packages at start",
      image: TEST_IMAGE,
      command: null,
      defaultCpu: 0.5,
      defaultMemGb: 0.5,
      maxCpu: null,
      maxMemGb: null,
      rolesAllowed: [],
      deprecated: false,
    });
    await insertUser(db(), { name: other, role: "user", roleSource: "admin" });
    await bindIds(db(), them);
    await startServer(db(), spawner, them, other, "default", { environment: "classic", cpu: 0.5, memGb: 0.5 });
    const t0 = Date.now();
    while ((await findServer(db(), other, "default"))?.status !== "running") {
      if (Date.now() - t0 > 60_000) throw new Error("the workspace did not start");
      await new Promise((r) => setTimeout(r, 250));
    }
    const install = async (version: string) =>
      (
        await collect(
          await startInstall(
            db(),
            spawner,
            them,
            other,
            "default",
            { name: "atrium-demo-pkg", version },
            jsonIndex.urlVia("host.docker.internal"),
          ),
        )
      ).at(-1);
    expect(await install("1.0.0")).toMatchObject({ type: "done", ok: true, runningKernelsSeeIt: false });
    expect(await install("1.1.0")).toMatchObject({ type: "done", ok: true, runningKernelsSeeIt: true });
  }, 120_000);
});
