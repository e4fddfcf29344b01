import { expect, test } from "@playwright/test";
import Dockerode from "dockerode";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { bearer, userWithToken } from "./support/api";
import { AUTH_SECRET, BOOTSTRAP_TOKEN, DEV_URL, extraPort, localUrl } from "./support/env";
import { removeEverythingOf } from "./support/engine";
import { startPortal } from "./support/portal";

test("the MLflow REST API answers over HTTP with MLflow's shapes and errors", async ({ request }) => {
  const token = await userWithToken(request, DEV_URL, "tracker");
  const h = bearer(token);
  expect(await (await request.get(`${DEV_URL}/health`)).text()).toBe("OK");
  const exp = await request.post(`${DEV_URL}/api/2.0/mlflow/experiments/create`, { headers: h, data: { name: "e2e-exp" } });
  expect(exp.status()).toBe(200);
  const { experiment_id } = (await exp.json()) as { experiment_id: string };
  const dup = await request.post(`${DEV_URL}/api/2.0/mlflow/experiments/create`, { headers: h, data: { name: "e2e-exp" } });
  expect(dup.status()).toBe(400);
  expect(await dup.json()).toMatchObject({ error_code: "RESOURCE_ALREADY_EXISTS" });
  const run = (await (
    await request.post(`${DEV_URL}/api/2.0/mlflow/runs/create`, { headers: h, data: { experiment_id, start_time: Date.now() } })
  ).json()) as {
    run: { info: { run_id: string; user_id: string } };
  };
  expect(run.run.info.user_id).toBe("tracker");
  const id = run.run.info.run_id;
  const batch = await request.post(`${DEV_URL}/ajax-api/2.0/mlflow/runs/log-batch`, {
    headers: h,
    data: {
      run_id: id,
      metrics: [0, 1, 2].map((step) => ({ key: "loss", value: 1 / (step + 1), timestamp: Date.now(), step })),
      params: [{ key: "lr", value: "0.1" }],
    },
  });
  expect(batch.status()).toBe(200);
  const hist = (await (
    await request.get(`${DEV_URL}/api/2.0/mlflow/metrics/get-history?run_id=${id}&metric_key=loss`, { headers: h })
  ).json()) as { metrics: unknown[] };
  expect(hist.metrics).toHaveLength(3);
  const search = (await (
    await request.post(`${DEV_URL}/api/2.0/mlflow/runs/search`, {
      headers: h,
      data: { experiment_ids: [experiment_id], filter: "metrics.loss < 0.5 or params.lr = '0.9'" },
    })
  ).json()) as { runs: { info: { run_id: string } }[] };
  expect(search.runs.map((r) => r.info.run_id)).toEqual([id]);
  const bad = await request.post(`${DEV_URL}/api/2.0/mlflow/runs/search`, {
    headers: h,
    data: { experiment_ids: [experiment_id], filter: "metrics.loss <" },
  });
  expect(bad.status()).toBe(400);
  expect(await bad.json()).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE" });
  const other = await userWithToken(request, DEV_URL, "snooper");
  const denied = await request.post(`${DEV_URL}/api/2.0/mlflow/runs/log-parameter`, {
    headers: bearer(other),
    data: { run_id: id, key: "x", value: "1" },
  });
  expect(denied.status()).toBe(403);
  expect((await request.get(`${DEV_URL}/api/2.0/mlflow/runs/get?run_id=${id}`, { headers: bearer(other) })).status()).toBe(200);
  const missing = await request.get(`${DEV_URL}/api/2.0/mlflow/no/such/thing`, { headers: h });
  expect(missing.status()).toBe(404);
  expect(await missing.json()).toMatchObject({ error_code: "ENDPOINT_NOT_FOUND" });
  expect((await request.get(`${DEV_URL}/api/2.0/mlflow/experiments/get?experiment_id=0`)).status()).toBe(401);
});

test("the model registry and chart endpoint answer over HTTP (PATCH and DELETE with JSON bodies, repeated query keys)", async ({
  request,
}) => {
  const h = bearer(await userWithToken(request, DEV_URL, "registrar"));
  const P = `${DEV_URL}/api/2.0/mlflow`;
  const run = (await (await request.post(`${P}/runs/create`, { headers: h, data: { experiment_id: "0" } })).json()) as {
    run: { info: { run_id: string } };
  };
  const runId = run.run.info.run_id;
  const metrics = Array.from({ length: 1000 }, (_, step) => ({
    key: "loss",
    value: 1 / (step + 1),
    timestamp: 1_700_000_000_000 + step,
    step,
  }));
  expect((await request.post(`${P}/runs/log-batch`, { headers: h, data: { run_id: runId, metrics } })).status()).toBe(200);
  const chart = await request.get(
    `${DEV_URL}/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=${runId}&run_ids=${runId}&metric_key=loss&max_results=50`,
    { headers: h },
  );
  expect(chart.status()).toBe(200);
  const points = ((await chart.json()) as { metrics: { step: number; run_id: string }[] }).metrics;
  // MLflow's sampling (abstract_store.get_metric_history_bulk_interval): positions int(i * 1000 / 50), plus the last step.
  expect(points).toHaveLength(51);
  expect([points[0]?.step, points[1]?.step, points[49]?.step, points[50]?.step, points[0]?.run_id]).toEqual([0, 20, 980, 999, runId]);

  const name = `e2e-model-${Date.now().toString(36)}`;
  expect((await request.post(`${P}/registered-models/create`, { headers: h, data: { name } })).status()).toBe(200);
  const dup = await request.post(`${P}/registered-models/create`, { headers: h, data: { name } });
  expect([dup.status(), ((await dup.json()) as { error_code: string }).error_code]).toEqual([400, "RESOURCE_ALREADY_EXISTS"]);
  const mv = (await (
    await request.post(`${P}/model-versions/create`, {
      headers: h,
      data: { name, source: `mlflow-artifacts:/0/${runId}/artifacts/model`, run_id: runId },
    })
  ).json()) as {
    model_version: { version: string; status: string };
  };
  expect(mv.model_version).toMatchObject({ version: "1", status: "READY" });
  expect((await request.patch(`${P}/registered-models/update`, { headers: h, data: { name, description: "churn model" } })).status()).toBe(
    200,
  );
  expect(
    (await request.post(`${P}/registered-models/alias`, { headers: h, data: { name, alias: "champion", version: "1" } })).status(),
  ).toBe(200);
  const byAlias = (await (await request.get(`${P}/registered-models/alias?name=${name}&alias=champion`, { headers: h })).json()) as {
    model_version: { version: string; run_id: string };
  };
  expect(byAlias.model_version).toMatchObject({ version: "1", run_id: runId });
  expect((await request.delete(`${P}/registered-models/alias`, { headers: h, data: { name, alias: "champion" } })).status()).toBe(200);
  const gone = await request.get(`${P}/registered-models/alias?name=${name}&alias=champion`, { headers: h });
  expect(gone.status()).toBe(400);
  const model = (await (await request.get(`${P}/registered-models/get?name=${name}`, { headers: h })).json()) as {
    registered_model: { description: string; aliases?: unknown };
  };
  expect(model.registered_model).toMatchObject({ description: "churn model" });
  expect(model.registered_model.aliases).toBeUndefined();
  expect((await request.delete(`${P}/registered-models/delete`, { headers: h, data: { name } })).status()).toBe(200);
  expect((await request.get(`${P}/registered-models/get?name=${name}`, { headers: h })).status()).toBe(404);
});

test("code inside a real workspace logs a run through the injected MLFLOW_* variables, on the portal as `npm run up` starts it", async ({
  request,
}) => {
  // A portal of its own and a workspace start: minutes on a loaded 2-core machine.
  test.setTimeout(300_000);
  const base = localUrl(extraPort(4));
  // As `npm run up`: PGlite, the development sign-in, so loopback only; the workspace listener on the
  // engine's bridge is what the container reaches through host.docker.internal (lib/http/workspace-listener.ts).
  const portal = await startPortal("tracking-workspace", extraPort(4), {
    AUTH_SECRET,
    ATRIUM_BOOTSTRAP_TOKEN: BOOTSTRAP_TOKEN,
    ATRIUM_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), "atrium-tracking-")),
    ATRIUM_PUBLIC_URL: base,
  });
  // A stopped container from an earlier run belongs to another "notebooker" (another database's id).
  await removeEverythingOf(["notebooker"]);
  try {
    const token = await userWithToken(request, base, "notebooker");
    expect(
      (
        await request.post(`${base}/api/users/notebooker/servers/default`, {
          headers: bearer(token),
          data: { cpu: 0.5, memGb: 0.5, environment: "python" },
        })
      ).status(),
    ).toBe(202);
    await expect
      .poll(
        async () =>
          (
            (await (await request.get(`${base}/api/users/notebooker/servers/default`, { headers: bearer(token) })).json()) as {
              status: string;
            }
          ).status,
        { timeout: 60_000 },
      )
      .toBe("running");
    const code = [
      "import json, os, time, urllib.request",
      "uri, tok = os.environ['MLFLOW_TRACKING_URI'], os.environ['MLFLOW_TRACKING_TOKEN']",
      "def call(path, body):",
      "    req = urllib.request.Request(uri + '/api/2.0/mlflow/' + path, data=json.dumps(body).encode(), headers={'Authorization': 'Bearer ' + tok, 'Content-Type': 'application/json'})",
      "    return json.load(urllib.request.urlopen(req, timeout=20))",
      "run = call('runs/create', {'experiment_id': '0', 'start_time': int(time.time() * 1000), 'run_name': 'from-the-notebook'})['run']['info']['run_id']",
      "for step in range(5): call('runs/log-metric', {'run_id': run, 'key': 'acc', 'value': step / 5, 'timestamp': int(time.time() * 1000), 'step': step})",
      "print(run)",
      // The same address never serves the development sign-in, not even with a cookie.
      "import urllib.error",
      "try:",
      "    urllib.request.urlopen(urllib.request.Request(uri + '/api/auth/signin', headers={'Cookie': 'authjs.session-token=x'}), timeout=20)",
      "    print('SIGN-IN SERVED')",
      "except urllib.error.HTTPError as e:",
      "    print('sign-in', e.code)",
      // A page that rebinds its own name to this address gets nothing either, even with the token (lib/http/allowed-host.ts).
      "try:",
      "    urllib.request.urlopen(urllib.request.Request(uri + '/api/2.0/mlflow/experiments/search?max_results=1', headers={'Authorization': 'Bearer ' + tok, 'Host': 'rebind.attacker.example'}), timeout=20)",
      "    print('HOSTILE HOST SERVED')",
      "except urllib.error.HTTPError as e:",
      "    print('hostile host', e.code)",
    ].join("\n");
    const docker = new Dockerode();
    const [c] = await docker.listContainers({ filters: { label: ["atrium.user=notebooker", "atrium.server=default"] } });
    const exec = await docker.getContainer(c?.Id ?? "").exec({ Cmd: ["python3", "-c", code], AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({});
    const out = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = [];
      stream.on("data", (d: Buffer) => chunks.push(d));
      stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    expect((await exec.inspect()).ExitCode, out).toBe(0);
    expect(out).toContain("sign-in 404");
    expect(out).toContain("hostile host 421");
    const runId = /[0-9a-f]{32}/.exec(out)?.[0];
    const got = (await (await request.get(`${base}/api/2.0/mlflow/runs/get?run_id=${runId}`, { headers: bearer(token) })).json()) as {
      run: {
        info: { user_id: string; run_name: string };
        data: { metrics: { key: string; value: number }[]; tags: { key: string; value: string }[] };
      };
    };
    expect(got.run.info).toMatchObject({ user_id: "notebooker", run_name: "from-the-notebook" });
    expect(got.run.data.metrics).toEqual([expect.objectContaining({ key: "acc", value: 0.8 })]);
    // The workspace's token tells the portal where the run came from: server, environment, image, owner.
    const tags = Object.fromEntries(got.run.data.tags.map((t) => [t.key, t.value]));
    expect(c?.ImageID).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(tags).toMatchObject({
      "atrium.server": "default",
      "atrium.environment": "python",
      "atrium.image_id": c?.ImageID,
      "mlflow.user": "notebooker",
    });
    await request.delete(`${base}/api/users/notebooker/servers/default`, { headers: bearer(token) });
  } finally {
    await portal.stop();
    await removeEverythingOf(["notebooker"]);
  }
});
