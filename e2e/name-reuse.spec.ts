import { expect, test, type APIRequestContext } from "@playwright/test";
import { asBootstrap, bearer, userWithToken } from "./support/api";
import { devSignIn, visit } from "./support/browser";
import { DEV_URL, PORTALS } from "./support/env";
import { screenshot } from "./support/screens";

/**
 * Deleting a person and creating her name again, over HTTP against both portals (Postgres and PGlite): the
 * new "e-alice" is someone else, so what the deleted e-alice made (experiment, run, registered model, run
 * artifacts) answers 403 to her personal token, while the bootstrap admin may still change it. The
 * experiments page in Chromium offers her no rename of the old experiment.
 */

const NAME = "e-alice";
type Json = Record<string, unknown>;

async function json(res: Awaited<ReturnType<APIRequestContext["post"]>>, what: string): Promise<Json> {
  const text = await res.text();
  if (res.status() !== 200) throw new Error(`${what}: ${res.status()} ${text}`);
  return text ? (JSON.parse(text) as Json) : {};
}

for (const portal of PORTALS) {
  test(`a name created again cannot change the deleted person's tracking data (${portal.name})`, async ({ request, page }) => {
    const base = portal.url;
    const P = `${base}/api/2.0/mlflow`;
    const A = `${base}/api/2.0/mlflow-artifacts/artifacts`;

    // The first e-alice logs an experiment, a run with a metric, a registered model and an artifact.
    const oldToken = await userWithToken(request, base, NAME);
    const old = bearer(oldToken);
    const suffix = Date.now().toString(36);
    const { experiment_id } = (await json(
      await request.post(`${P}/experiments/create`, { headers: old, data: { name: `e-old-${suffix}` } }),
      "create experiment",
    )) as { experiment_id: string };
    const created = (await json(await request.post(`${P}/runs/create`, { headers: old, data: { experiment_id } }), "create run")) as {
      run: { info: { run_id: string; artifact_uri: string } };
    };
    const runId = created.run.info.run_id;
    const files = `${A}/${created.run.info.artifact_uri.slice("mlflow-artifacts:/".length)}`;
    await json(
      await request.post(`${P}/runs/log-metric`, { headers: old, data: { run_id: runId, key: "loss", value: 0.5, timestamp: Date.now() } }),
      "log metric",
    );
    const model = `e-old-model-${suffix}`;
    await json(await request.post(`${P}/registered-models/create`, { headers: old, data: { name: model } }), "create model");
    expect((await request.put(`${files}/weights.bin`, { headers: old, data: Buffer.alloc(300, 1) })).status()).toBe(200);

    // An admin deletes her (keeping her volume) and creates the name again: a new person with a new token.
    const removed = await request.delete(`${base}/api/users/${NAME}`, { headers: asBootstrap });
    expect(removed.status(), await removed.text()).toBe(200);
    expect((await request.get(`${P}/experiments/get?experiment_id=${experiment_id}`, { headers: old })).status()).toBe(401);
    const fresh = bearer(await userWithToken(request, base, NAME));

    const denied = async (res: Awaited<ReturnType<APIRequestContext["post"]>>, what: string) => {
      expect(res.status(), `${what}: ${await res.text()}`).toBe(403);
    };
    const renamed = { experiment_id, new_name: `e-stolen-${suffix}` };
    await denied(await request.post(`${P}/experiments/update`, { headers: fresh, data: renamed }), "experiments/update");
    expect(await (await request.post(`${P}/experiments/update`, { headers: fresh, data: renamed })).json()).toMatchObject({
      error_code: "PERMISSION_DENIED",
    });
    await denied(await request.post(`${P}/experiments/delete`, { headers: fresh, data: { experiment_id } }), "experiments/delete");
    const metric = { run_id: runId, key: "loss", value: 9, timestamp: Date.now() };
    await denied(await request.post(`${P}/runs/log-metric`, { headers: fresh, data: metric }), "runs/log-metric");
    await denied(await request.post(`${P}/runs/delete`, { headers: fresh, data: { run_id: runId } }), "runs/delete");
    await denied(
      await request.post(`${P}/registered-models/rename`, { headers: fresh, data: { name: model, new_name: `${model}-stolen` } }),
      "registered-models/rename",
    );
    await denied(
      await request.delete(`${P}/registered-models/delete`, { headers: fresh, data: { name: model } }),
      "registered-models/delete",
    );
    await denied(await request.put(`${files}/weights.bin`, { headers: fresh, data: Buffer.alloc(1) }), "artifact upload");
    await denied(await request.delete(`${files}/weights.bin`, { headers: fresh }), "artifact delete");
    // Nothing changed: the old metric is the only point, the file is whole.
    const history = (await json(
      await request.get(`${P}/metrics/get-history?run_id=${runId}&metric_key=loss`, { headers: fresh }),
      "history",
    )) as { metrics: { value: number }[] };
    expect(history.metrics.map((m) => m.value)).toEqual([0.5]);
    expect((await (await request.get(`${files}/weights.bin`, { headers: fresh })).body()).length).toBe(300);

    // She starts with no storage of her own, and what she makes is hers.
    const me = (await json(await request.get(`${base}/api/me`, { headers: fresh }), "me")) as { storage: { usedBytes: number } };
    expect(me.storage.usedBytes).toBe(0);
    const mine = (await json(
      await request.post(`${P}/experiments/create`, { headers: fresh, data: { name: `e-new-${suffix}` } }),
      "her experiment",
    )) as { experiment_id: string };
    await json(
      await request.post(`${P}/experiments/update`, {
        headers: fresh,
        data: { experiment_id: mine.experiment_id, new_name: `e-new-renamed-${suffix}` },
      }),
      "rename hers",
    );

    // The admin still may.
    await json(await request.post(`${P}/runs/log-metric`, { headers: asBootstrap, data: metric }), "admin log-metric");
    await json(
      await request.post(`${P}/experiments/update`, { headers: asBootstrap, data: { experiment_id, new_name: `e-old-renamed-${suffix}` } }),
      "admin update",
    );

    if (base === DEV_URL) {
      // The experiments page offers her rename on her experiment only.
      await devSignIn(page, base, NAME);
      await visit(page, `${base}/experiments`);
      await expect(page.getByTestId(`experiment-${mine.experiment_id}`).getByRole("button", { name: "Rename" })).toBeVisible();
      await expect(page.getByTestId(`experiment-${experiment_id}`)).toContainText(NAME);
      await expect(page.getByTestId(`experiment-${experiment_id}`).getByRole("button", { name: "Rename" })).toHaveCount(0);
      await screenshot(page, "name-reuse-experiments");
    }
  });
}
