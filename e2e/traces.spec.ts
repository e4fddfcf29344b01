import { expect, test, type APIRequestContext } from "@playwright/test";
import { bearer, userWithToken } from "./support/api";
import { devSignIn } from "./support/browser";
import { DEV_URL } from "./support/env";
import { screenshot } from "./support/screens";

/**
 * The Traces views in Chromium against the development portal. Traces are logged over HTTP the way the MLflow 3
 * client does (mlflow/tracing/export/mlflow_v3.py): spans over OTLP to /v1/traces, the trace info with
 * StartTraceV3, span data as traces.json to the trace's artifact location; then looked at through the pages.
 */

const USER = "tr-eve";
test.describe.configure({ mode: "serial" });

type Json = Record<string, unknown>;
const hex = (n: number) =>
  Array.from({ length: n }, () =>
    Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, "0"),
  ).join("");
const b64 = (h: string) => Buffer.from(h, "hex").toString("base64");

interface Seeded {
  experimentId: string;
  emptyExperimentId: string;
  runId: string;
  traceId: string;
}
let seeded: Seeded | undefined;

async function seed(request: APIRequestContext): Promise<Seeded> {
  const token = await userWithToken(request, DEV_URL, USER);
  const h = bearer(token);
  const post = async (path: string, data: Json, prefix = "/api/2.0/mlflow/") => {
    const res = await request.post(`${DEV_URL}${prefix}${path}`, { headers: h, data });
    expect(res.status(), await res.text()).toBe(200);
    return (await res.json()) as Json;
  };
  const suffix = hex(3);
  const experimentId = String((await post("experiments/create", { name: `tr-rag-${suffix}` })).experiment_id);
  const emptyExperimentId = String((await post("experiments/create", { name: `tr-empty-${suffix}` })).experiment_id);
  const run = (await post("runs/create", { experiment_id: experimentId, run_name: "rag-eval" })) as { run: { info: { run_id: string } } };

  // Trace 1: a RAG call whose spans come as traces.json after StartTraceV3.
  const t = hex(16);
  const traceId = `tr-${t}`;
  const t0 = Date.UTC(2026, 2, 1, 10, 0, 0);
  const [root, retrieve, llm] = [hex(8), hex(8), hex(8)];
  await post(
    "traces",
    {
      trace: {
        trace_info: {
          trace_id: traceId,
          trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: experimentId } },
          request_preview: '{"question": "How do I reset my password?"}',
          response_preview: '"Open Settings, then Security."',
          request_time: new Date(t0).toISOString(),
          execution_duration: "0.840s",
          state: "OK",
          trace_metadata: { "mlflow.trace_schema.version": "3", "mlflow.sourceRun": run.run.info.run_id },
          tags: { "mlflow.traceName": "answer_question" },
        },
      },
    },
    "/api/3.0/mlflow/",
  );
  const span = (
    id: string,
    parent: string,
    name: string,
    type: string,
    startMs: number,
    endMs: number,
    inputs: unknown,
    outputs: unknown,
  ) => ({
    trace_id: b64(t),
    span_id: b64(id),
    trace_state: "",
    parent_span_id: parent ? b64(parent) : "",
    name,
    start_time_unix_nano: (t0 + startMs) * 1e6,
    end_time_unix_nano: (t0 + endMs) * 1e6,
    attributes: {
      "mlflow.traceRequestId": JSON.stringify(traceId),
      "mlflow.spanType": JSON.stringify(type),
      "mlflow.spanInputs": JSON.stringify(inputs),
      "mlflow.spanOutputs": JSON.stringify(outputs),
    },
    status: { code: "STATUS_CODE_OK", message: "" },
    events: [],
  });
  const put = await request.put(`${DEV_URL}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/traces/${traceId}/artifacts/traces.json`, {
    headers: { ...h, "content-type": "application/octet-stream" },
    data: JSON.stringify({
      spans: [
        span(root, "", "answer_question", "CHAIN", 0, 840, { question: "How do I reset my password?" }, "Open Settings, then Security."),
        span(retrieve, root, "retrieve_docs", "RETRIEVER", 20, 260, { query: "reset password" }, [{ doc: "security.md" }]),
        span(llm, root, "chat_completion", "CHAT_MODEL", 280, 820, { model: "gpt-4o" }, { content: "Open Settings, then Security." }),
      ],
    }),
  });
  expect(put.status(), await put.text()).toBe(200);
  await post(
    `traces/${traceId}/assessments`,
    {
      assessment: {
        assessment_name: "helpful",
        source: { source_type: "HUMAN", source_id: USER },
        feedback: { value: true },
        rationale: "Correct steps.",
      },
    },
    "/api/3.0/mlflow/",
  );
  await post("traces/link-to-run", { trace_ids: [traceId], run_id: run.run.info.run_id });

  // Trace 2: a failed call whose spans came over OTLP JSON only.
  const t2 = hex(16);
  const otlp = await request.post(`${DEV_URL}/v1/traces`, {
    headers: { ...h, "content-type": "application/json", "x-mlflow-experiment-id": experimentId },
    data: {
      resourceSpans: [
        {
          scopeSpans: [
            {
              spans: [
                {
                  traceId: t2,
                  spanId: hex(8),
                  name: "answer_question",
                  startTimeUnixNano: `${t0 + 60_000}000000`,
                  endTimeUnixNano: `${t0 + 60_120}000000`,
                  attributes: [{ key: "mlflow.spanInputs", value: { stringValue: '{"question": "Delete my account"}' } }],
                  status: { code: 2, message: "rate limited" },
                },
              ],
            },
          ],
        },
      ],
    },
  });
  expect(otlp.status(), await otlp.text()).toBe(200);

  // GenAI evaluation as mlflow.genai.datasets.create_dataset / merge_records and scorer.register send it
  // (mlflow/store/tracking/rest_store.py create_dataset, upsert_dataset_records, register_scorer).
  const dataset = (await post(
    "datasets/create",
    { name: "support-golden", experiment_ids: [experimentId], tags: JSON.stringify({ team: "support" }) },
    "/api/3.0/mlflow/",
  )) as { dataset: { dataset_id: string } };
  await post(
    `datasets/${dataset.dataset.dataset_id}/records`,
    {
      records: JSON.stringify([
        { inputs: { question: "How do I reset my password?" }, expectations: { answer: "Settings, then Security" } },
        { inputs: { question: "Delete my account" }, expectations: { answer: "Account, then Delete" } },
      ]),
    },
    "/api/3.0/mlflow/",
  );
  await post(
    "scorers/register",
    {
      experiment_id: experimentId,
      name: "relevance",
      serialized_scorer: JSON.stringify({
        name: "relevance",
        instructions_judge_pydantic_data: { instructions: "Is {{ outputs }} relevant?" },
      }),
    },
    "/api/3.0/mlflow/",
  );
  return { experimentId, emptyExperimentId, runId: run.run.info.run_id, traceId };
}

test.beforeAll(async ({ request }) => {
  seeded = await seed(request);
});

test("an experiment without traces says how to make them", async ({ page }) => {
  if (!seeded) throw new Error("not seeded");
  await devSignIn(page, DEV_URL, USER);
  await page.goto(`${DEV_URL}/experiments/${seeded.emptyExperimentId}`);
  await page.getByTestId("tab-traces").click();
  await expect(page.getByTestId("traces-empty")).toContainText("@mlflow.trace");
  await expect(page.getByTestId("traces-empty")).toContainText(`mlflow.set_experiment("tr-empty-`);
  await screenshot(page, "traces-empty");
});

test("the Evaluation tab shows the experiment's datasets and scorers, and says how to make them", async ({ page }) => {
  if (!seeded) throw new Error("not seeded");
  await devSignIn(page, DEV_URL, USER);
  await page.goto(`${DEV_URL}/experiments/${seeded.experimentId}`);
  await page.getByTestId("tab-evaluation").click();
  const dataset = page.getByTestId("dataset");
  await expect(dataset).toContainText("support-golden");
  await expect(dataset.getByTestId("dataset-records")).toHaveText("2 records");
  await expect(dataset).toContainText("How do I reset my password?");
  await expect(page.getByTestId("scorer")).toContainText("relevance");
  await expect(page.getByTestId("scorer")).toContainText("LLM judge");
  for (const [width, name] of [
    [1440, "evaluation"],
    [390, "evaluation-phone"],
  ] as const) {
    await page.setViewportSize({ width, height: 900 });
    await screenshot(page, name);
  }
  await page.goto(`${DEV_URL}/experiments/${seeded.emptyExperimentId}?tab=evaluation`);
  await expect(page.getByTestId("datasets-empty")).toContainText("create_dataset");
  await expect(page.getByTestId("scorers-empty")).toContainText(".register()");
  await screenshot(page, "evaluation-empty-phone");
});

test("the Traces tab lists, filters and opens a trace: span waterfall, inputs and outputs, assessments", async ({ page }) => {
  if (!seeded) throw new Error("not seeded");
  await devSignIn(page, DEV_URL, USER);
  await page.goto(`${DEV_URL}/experiments/${seeded.experimentId}?tab=traces`);
  const rows = page.getByTestId("trace-row");
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText("ERROR");
  await expect(rows.nth(1)).toContainText("How do I reset my password?");
  await expect(rows.nth(1)).toContainText("840 ms");

  await page.getByTestId("trace-filter").fill("attributes.status = 'OK' AND trace.name = 'answer_question'");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(rows).toHaveCount(1);
  await page.getByTestId("trace-filter").fill("attributes.colour = 'red'");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByTestId("trace-filter-error")).toContainText("unknown trace attribute");
  await page.getByTestId("trace-filter").fill("");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(rows).toHaveCount(2);

  await rows.nth(1).click();
  const detail = page.getByTestId("trace-detail");
  const spans = detail.getByTestId("span-row");
  await expect(spans).toHaveCount(3);
  // The opened trace is in the address: a reload shows it again.
  await expect(page).toHaveURL(/[?&]trace=[^&]+/);
  await page.reload();
  await expect(spans).toHaveCount(3);
  await expect(spans.nth(0)).toContainText("answer_question");
  await expect(spans.nth(1)).toContainText("retrieve_docs");
  await expect(spans.nth(2)).toContainText("chat_completion");
  await expect(spans.nth(2)).toContainText("540.0 ms");
  const bar = await detail
    .getByTestId("span-bar")
    .nth(2)
    .evaluate((el) => (el as HTMLElement).style.left);
  expect(parseFloat(bar)).toBeCloseTo((280 / 840) * 100, 0);
  await spans.nth(1).click();
  await expect(detail.getByTestId("span-inputs")).toContainText('"query": "reset password"');
  await expect(detail.getByTestId("span-outputs")).toContainText("security.md");
  await expect(detail.getByTestId("assessments")).toContainText("helpful");
  await expect(detail.getByTestId("assessments")).toContainText("Correct steps.");
  await screenshot(page, "traces-detail");
});

test("the run page lists its linked traces, and one opens on the experiment's Traces tab", async ({ page }) => {
  if (!seeded) throw new Error("not seeded");
  await devSignIn(page, DEV_URL, USER);
  await page.goto(`${DEV_URL}/runs/${seeded.runId}`);
  const linked = page.getByTestId("run-trace");
  await expect(linked).toHaveCount(1);
  await expect(linked).toContainText("answer_question");
  await screenshot(page, "traces-run-page");
  await linked.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`tab=traces&trace=${seeded.traceId}`));
  await expect(page.getByTestId("trace-detail").getByTestId("span-row")).toHaveCount(3);
});
