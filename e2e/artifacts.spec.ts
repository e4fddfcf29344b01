import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { bearer, errorCode, userWithToken, mlflowPost } from "./support/api";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, E2E_DATABASE_URL, extraPort, localUrl } from "./support/env";
import { startPortal, type RunningPortal } from "./support/portal";
import { sampleRss, treeRssBytes } from "./support/process-memory";
import { screenshot, screenshotBothWidths } from "./support/screens";
import { devSignIn } from "./support/browser";

/**
 * MLflow's proxied artifact API and the run page's artifact browser, against a portal of their own
 * (Postgres, development sign-in, artifacts in a temporary ATRIUM_DATA_DIR) whose memory is measured.
 */
const PORT = extraPort(9);
const BASE = localUrl(PORT);
const OWNER = "art-e-owner";
const OTHER = "art-e-other";
const API = "/api/2.0/mlflow-artifacts/artifacts";
const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

test.describe.configure({ mode: "serial" });

let portal: RunningPortal | undefined;
let dataDir = "";
const tokens: Record<string, string> = {};
let runPath = ""; // <experiment>/<run>/artifacts
let runId = "";

/** A raw HTTP request: the path goes out byte for byte (fetch would resolve `..` and `%2e%2e` first). */
function raw(
  method: string,
  rawPath: string,
  token: string,
  body?: AsyncIterable<Buffer> | Buffer,
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: PORT, method, path: rawPath, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString("utf8"), headers: res.headers }));
      },
    );
    req.on("error", reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else
      void (async () => {
        for await (const chunk of body) if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
        req.end();
      })().catch(reject);
  });
}

/** `total` bytes of a repeating but position-dependent pattern, 1 MiB at a time, hashed as they go. */
function generated(total: number, hash: ReturnType<typeof createHash>): AsyncIterable<Buffer> {
  return (async function* () {
    for (let off = 0; off < total; off += MIB) {
      const chunk = Buffer.alloc(Math.min(MIB, total - off), (off / MIB) % 251);
      chunk.writeUInt32BE(off / MIB, 0);
      hash.update(chunk);
      yield chunk;
    }
  })();
}

/** Streams a download through a hash; returns the byte count and digest without keeping the bytes. */
function hashDownload(rawPath: string, token: string): Promise<{ status: number; bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port: PORT, path: rawPath, headers: { authorization: `Bearer ${token}` } }, (res) => {
        const hash = createHash("sha256");
        let bytes = 0;
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          hash.update(c);
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes, sha256: hash.digest("hex") }));
      })
      .on("error", reject);
  });
}

test.beforeAll(async ({ request }) => {
  test.setTimeout(120_000);
  dataDir = mkdtempSync(path.join(os.tmpdir(), "atrium-art-e2e-"));
  portal = await startPortal("artifacts", PORT, {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    DATABASE_URL: E2E_DATABASE_URL,
    ATRIUM_DATA_DIR: dataDir,
    ATRIUM_PUBLIC_URL: BASE,
  });
  tokens[OWNER] = await userWithToken(request, BASE, OWNER);
  tokens[OTHER] = await userWithToken(request, BASE, OTHER);
  const exp = await mlflowPost(request, BASE, tokens[OWNER], "experiments/create", { name: `art-e-${Date.now()}` });
  const run = (await mlflowPost(request, BASE, tokens[OWNER], "runs/create", {
    experiment_id: exp.experiment_id,
    run_name: "churn-xgb",
  })) as {
    run: { info: { run_id: string; artifact_uri: string } };
  };
  runId = run.run.info.run_id;
  expect(run.run.info.artifact_uri).toBe(`mlflow-artifacts:/${String(exp.experiment_id)}/${runId}/artifacts`);
  runPath = `${String(exp.experiment_id)}/${runId}/artifacts`;
});

test.afterAll(async () => {
  await portal?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("uploads, lists, downloads and deletes as the MLflow client does", async () => {
  const owner = tokens[OWNER] ?? "";
  expect((await raw("PUT", `${API}/${runPath}/model/MLmodel`, owner, Buffer.from("flavors:\n  sklearn: {}\n"))).text).toBe("{}");
  expect((await raw("PUT", `${API}/${runPath}/notes%20v1.txt`, owner, Buffer.from("hello"))).status).toBe(200);
  const listed = await raw("GET", `${API}?path=${encodeURIComponent(runPath)}`, owner);
  expect(JSON.parse(listed.text)).toEqual({
    files: [
      { path: "model", is_dir: true },
      { path: "notes v1.txt", is_dir: false, file_size: 5 },
    ],
  });
  const file = await raw("GET", `${API}/${runPath}/notes%20v1.txt`, tokens[OTHER] ?? "");
  expect([file.status, file.text, file.headers["content-type"], file.headers["x-content-type-options"]]).toEqual([
    200,
    "hello",
    "text/plain; charset=utf-8",
    "nosniff",
  ]);
  expect((await raw("DELETE", `${API}/${runPath}/notes%20v1.txt`, owner)).text).toBe("{}");
  expect(JSON.parse((await raw("GET", `${API}?path=${encodeURIComponent(runPath)}`, owner)).text)).toEqual({
    files: [{ path: "model", is_dir: true }],
  });
  const missing = await raw("GET", `${API}/${runPath}/notes%20v1.txt`, owner);
  expect([missing.status, JSON.parse(missing.text).error]).toEqual([404, "artifact_not_found"]);
});

test("another user can read but not write or delete", async ({ request }) => {
  const other = tokens[OTHER] ?? "";
  const put = await request.put(`${BASE}${API}/${runPath}/evil.txt`, { headers: bearer(other), data: "x" });
  expect(put.status()).toBe(403);
  expect(await errorCode(put)).toBe("forbidden");
  expect((await request.delete(`${BASE}${API}/${runPath}/model`, { headers: bearer(other) })).status()).toBe(403);
  const read = await request.get(`${BASE}${API}/${runPath}/model/MLmodel`, { headers: bearer(other) });
  expect([read.status(), await read.text()]).toEqual([200, "flavors:\n  sklearn: {}\n"]);
  expect((await request.get(`${BASE}${API}?path=${runPath}`)).status()).toBe(401);
});

test("paths that leave the run's folder are refused with 400", async () => {
  const owner = tokens[OWNER] ?? "";
  const attempts = [
    `${API}/${runPath}/../../../etc/passwd`,
    `${API}/${runPath}/%2e%2e/%2e%2e/x`,
    `${API}/${runPath}/%2E%2E%2F%2E%2E%2Fx`,
    `${API}/${runPath}/..%5c..%5cx`,
    `${API}/${runPath}/a%00.txt`,
  ];
  const statuses: Record<string, number> = {};
  for (const p of attempts) {
    const res = await raw("PUT", p, owner, Buffer.from("x"));
    statuses[p] = res.status;
    if (res.status === 400) expect(JSON.parse(res.text).error).toBe("invalid_path");
  }
  expect(statuses).toEqual(Object.fromEntries(attempts.map((p) => [p, 400])));
  const listed = await raw("GET", `${API}?path=${encodeURIComponent(`${runPath}/../..`)}`, owner);
  expect(listed.status).toBe(400);
  const absolute = await raw("GET", `${API}?path=${encodeURIComponent("/etc")}`, owner);
  expect(absolute.status).toBe(400);
  // Next answers an empty segment itself with a 308 to the collapsed path, which is then judged as usual.
  const doubled = await raw("PUT", `${API}//etc/passwd`, owner, Buffer.from("x"));
  expect([doubled.status, doubled.headers.location]).toEqual([308, `${API}/etc/passwd`]);
  const followed = await raw("PUT", `${API}/etc/passwd`, owner, Buffer.from("x"));
  expect([followed.status, JSON.parse(followed.text).error]).toEqual([400, "invalid_path"]);
});

test("a 1 GiB artifact streams up and down while the portal grows by less than 100 MB", async () => {
  test.setTimeout(600_000);
  const owner = tokens[OWNER] ?? "";
  const pid = portal?.pid ?? 0;
  // Warm the route up first so compiling and caching it is not counted as the upload's memory.
  await raw("PUT", `${API}/${runPath}/warm.bin`, owner, generated(8 * MIB, createHash("sha256")));
  await hashDownload(`${API}/${runPath}/warm.bin`, owner);
  const before = treeRssBytes(pid);

  const sent = createHash("sha256");
  const upSampler = sampleRss(pid);
  const t0 = Date.now();
  const up = await raw("PUT", `${API}/${runPath}/big/data.bin`, owner, generated(GIB, sent));
  const upPeak = upSampler.stop();
  const upSeconds = (Date.now() - t0) / 1000;
  expect(up.status, up.text).toBe(200);

  const downSampler = sampleRss(pid);
  const t1 = Date.now();
  const down = await hashDownload(`${API}/${runPath}/big/data.bin`, owner);
  const downPeak = downSampler.stop();
  const downSeconds = (Date.now() - t1) / 1000;

  console.log(
    `[artifacts] 1 GiB up in ${upSeconds.toFixed(1)} s, down in ${downSeconds.toFixed(1)} s; portal RSS before ${(before / MIB).toFixed(0)} MiB, ` +
      `peak during upload +${((upPeak - before) / MIB).toFixed(1)} MiB, during download +${((downPeak - before) / MIB).toFixed(1)} MiB`,
  );
  // (Next sends a streamed body chunked and drops our content-length; the bytes and their hash are what count.)
  expect([down.status, down.bytes, down.sha256]).toEqual([200, GIB, sent.digest("hex")]);
  expect(upPeak - before).toBeLessThan(100 * 1000 * 1000);
  expect(downPeak - before).toBeLessThan(100 * 1000 * 1000);
  await raw("DELETE", `${API}/${runPath}/big`, owner);
  await raw("DELETE", `${API}/${runPath}/warm.bin`, owner);
});

/** A small line chart as a PNG, drawn by Chromium, so the image preview has a real image to show. */
async function chartPng(page: Page): Promise<Buffer> {
  const points = Array.from({ length: 40 }, (_, i) => `${10 + i * 9},${150 - 120 * (1 - Math.exp(-i / 8))}`).join(" ");
  await page.setContent(
    `<body style="margin:0"><svg xmlns="http://www.w3.org/2000/svg" width="380" height="170" style="background:#fff;font:12px sans-serif">` +
      `<polyline points="${points}" fill="none" stroke="#4f46e5" stroke-width="3"/><text x="12" y="16">validation accuracy</text></svg></body>`,
  );
  return page.locator("svg").screenshot();
}

test("the run page browses the artifacts with previews", async ({ page }) => {
  const owner = tokens[OWNER] ?? "";
  const mlmodel = [
    "artifact_path: model",
    "flavors:",
    "  python_function:",
    "    env:",
    "      conda: conda.yaml",
    "    loader_module: mlflow.sklearn",
    "    python_version: 3.11.2",
    "  sklearn:",
    "    pickled_model: model.pkl",
    "    sklearn_version: 1.5.1",
    "mlflow_version: 3.1.0",
    `run_id: ${runId}`,
    "",
  ].join("\n");
  const csv = [
    "customer_id,tenure_months,monthly_charges,churned",
    ...Array.from({ length: 30 }, (_, i) => `C${1000 + i},${(i * 7) % 60},${(20 + i * 3.5).toFixed(2)},${i % 3 === 0 ? "yes" : "no"}`),
  ].join("\n");
  const files: Array<[string, Buffer]> = [
    ["model/MLmodel", Buffer.from(mlmodel)],
    [
      "model/conda.yaml",
      Buffer.from("channels: [conda-forge]\ndependencies:\n  - python=3.11.2\n  - pip:\n    - mlflow==3.1.0\n    - scikit-learn==1.5.1\n"),
    ],
    ["model/model.pkl", Buffer.alloc(48_213, 7)],
    ["model/requirements.txt", Buffer.from("mlflow==3.1.0\nscikit-learn==1.5.1\n")],
    ["plots/val_accuracy.png", await chartPng(page)],
    ["data/sample.csv", Buffer.from(csv)],
  ];
  for (const [p, body] of files) expect((await raw("PUT", `${API}/${runPath}/${p}`, owner, body)).status).toBe(200);

  await devSignIn(page, BASE, OTHER);
  await page.goto(`${BASE}/runs/${runId}`);
  const tree = page.getByTestId("artifact-tree");
  await expect(tree.getByTestId("artifact-folder")).toHaveText(["▸data", "▸model", "▸plots"]);
  await tree.getByRole("button", { name: "model", exact: true }).click();
  await tree.getByRole("button", { name: /MLmodel/ }).click();
  await expect(page.getByTestId("mlmodel-flavors")).toContainText("An MLflow model with flavors python_functionsklearn. Load it with");
  await expect(page.getByTestId("artifact-text")).toContainText("pickled_model: model.pkl");
  await expect(page.getByTestId("mlmodel-flavors")).toContainText(`mlflow.pyfunc.load_model("runs:/${runId}/model")`);
  await page.getByTestId("artifact-preview").scrollIntoViewIfNeeded();
  await screenshot(page, "run-artifacts-mlmodel");

  await tree.getByRole("button", { name: "data", exact: true }).click();
  await tree.getByRole("button", { name: /sample\.csv/ }).click();
  const table = page.getByTestId("artifact-csv");
  await expect(table.locator("thead th")).toHaveText(["customer_id", "tenure_months", "monthly_charges", "churned"]);
  await expect(table.locator("tbody tr")).toHaveCount(20);
  await expect(table.locator("tbody tr").first().locator("td")).toHaveText(["C1000", "0", "20.00", "yes"]);
  await screenshot(page, "run-artifacts-csv");

  await tree.getByRole("button", { name: "plots", exact: true }).click();
  await tree.getByRole("button", { name: /val_accuracy\.png/ }).click();
  const img = page.getByTestId("artifact-preview").locator("img");
  await expect(img).toBeVisible();
  // Visible means laid out, not decoded: wait for the bytes to arrive before measuring.
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0))).toBeGreaterThan(300);
  await expect(page.getByTestId("artifact-preview")).toContainText("plots/val_accuracy.png");
  const download = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download" }).click();
  expect((await download).suggestedFilename()).toBe("val_accuracy.png");
  await screenshot(page, "run-artifacts-image");
});

test("an .ipynb artifact is rendered: markdown, code and outputs; script in markdown or an HTML output never runs", async ({ page }) => {
  const owner = tokens[OWNER] ?? "";
  const png = (await chartPng(page)).toString("base64");
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: "python3", language: "python" } },
    cells: [
      {
        cell_type: "markdown",
        metadata: {},
        source: [
          "# Churn model\n",
          "Trained **nightly**; see [the docs](https://mlflow.org/docs/latest/).\n",
          "<script>window.__xss = 'markdown'</script>\n",
          "<img src=x onerror=\"window.__xss = 'img'\">\n",
          "[click](javascript:window.__xss='link')",
        ],
      },
      {
        cell_type: "code",
        execution_count: 1,
        metadata: {},
        source: ["print('accuracy', 0.93)"],
        outputs: [{ output_type: "stream", name: "stdout", text: ["accuracy 0.93\n"] }],
      },
      {
        cell_type: "code",
        execution_count: 2,
        metadata: {},
        source: ["df.head()"],
        outputs: [
          {
            output_type: "execute_result",
            execution_count: 2,
            metadata: {},
            data: { "text/html": ["<script>window.__xss = 'html'</script><b>table</b>"] },
          },
        ],
      },
      {
        cell_type: "code",
        execution_count: 3,
        metadata: {},
        source: ["plt.plot(history)"],
        outputs: [{ output_type: "display_data", metadata: {}, data: { "image/png": png, "text/plain": ["<Figure>"] } }],
      },
    ],
  };
  const put = await raw("PUT", `${API}/${runPath}/notebooks/executed.ipynb`, owner, Buffer.from(JSON.stringify(notebook)));
  expect(put.status).toBe(200);

  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await devSignIn(page, BASE, OTHER);
  await page.goto(`${BASE}/runs/${runId}`);
  const tree = page.getByTestId("artifact-tree");
  await tree.getByRole("button", { name: "notebooks", exact: true }).click();
  await tree.getByRole("button", { name: /executed\.ipynb/ }).click();
  const nb = page.getByTestId("notebook-preview");
  await expect(nb.getByRole("heading", { name: "Churn model" })).toBeVisible();
  await expect(nb.locator("strong")).toHaveText("nightly");
  await expect(nb.getByRole("link", { name: "the docs" })).toHaveAttribute("href", "https://mlflow.org/docs/latest/");
  // Markup in markdown is shown as the characters it is; a javascript: link is no link.
  await expect(nb.getByTestId("notebook-markdown")).toContainText("<script>window.__xss = 'markdown'</script>");
  await expect(nb.getByRole("link", { name: "click" })).toHaveCount(0);
  await expect(nb.getByTestId("notebook-code")).toHaveCount(3);
  await expect(nb.getByTestId("notebook-text-output").first()).toHaveText("accuracy 0.93");
  await expect(nb.getByTestId("notebook-source-output")).toContainText("<script>window.__xss = 'html'</script><b>table</b>");
  await expect(nb.locator("b")).toHaveCount(0);
  const img = nb.getByTestId("notebook-image");
  await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0))).toBeGreaterThan(300);
  expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
  expect(dialogs).toEqual([]);
  await nb.scrollIntoViewIfNeeded();
  await screenshotBothWidths(page, "run-artifacts-notebook");
});

test("a run without artifacts says how to log them", async ({ page, request }) => {
  const owner = tokens[OWNER] ?? "";
  const exp = runPath.split("/")[0];
  const empty = (await mlflowPost(request, BASE, owner, "runs/create", { experiment_id: exp, run_name: "no-files-yet" })) as {
    run: { info: { run_id: string } };
  };
  await devSignIn(page, BASE, OWNER);
  await page.goto(`${BASE}/runs/${empty.run.info.run_id}`);
  await expect(page.getByTestId("artifacts-empty")).toContainText("This run has no artifacts yet.");
  await screenshot(page, "run-artifacts-empty");
});
