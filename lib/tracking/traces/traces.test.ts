/**
 * MLflow 3 tracing against the portal, on PGlite and Postgres: each test replays what the MLflow 3 Python
 * client sends (request shapes from mlflow/store/tracking/rest_store.py, mlflow/tracing/export/mlflow_v3.py,
 * mlflow/tracing/client.py and mlflow/protos/service.proto) and checks the status, error code and body it expects.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DB_KINDS } from "@/db/testing";
import { useTestDatabase } from "@/db/testing-hooks";
import { storedBytes } from "@/db/queries/storage-usage";
import { withNewIdentity } from "@/db/queries/users";
import { users } from "@/db/schema";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { recountStorage } from "@/lib/artifacts/recount";
import { handleTrackingRequest } from "../http/dispatch";
import { principal, testUserId, trackingClient, type Json } from "../testing";
import { encodeOtlpProtobuf, type OtlpSpan } from "./otlp";
import { ingestOtlpRequest } from "./otlp-ingest";
import { downloadTraceFile, listTraceFiles, uploadTraceFile } from "./trace-files";

const alice = principal("tr-alice");
const bob = principal("tr-bob");
const carol = principal("tr-carol");
const admin = principal("tr-root", true);
let seq = 0;
const unique = (prefix: string) => `${prefix}-${++seq}`;
const hex = (bytes: number) => randomBytes(bytes).toString("hex");
const b64 = (h: string) => Buffer.from(h, "hex").toString("base64");

/** A span as the MLflow client's OTLP export carries it: MLflow's attributes JSON-encoded (mlflow/entities/span.py). */
function mlflowOtelSpan(
  traceHex: string,
  spanHex: string,
  parent: string | undefined,
  name: string,
  startMs: number,
  endMs?: number,
): OtlpSpan {
  return {
    traceIdHex: traceHex,
    spanIdHex: spanHex,
    ...(parent ? { parentSpanIdHex: parent } : {}),
    name,
    startNs: `${startMs}000000`,
    ...(endMs !== undefined ? { endNs: `${endMs}000000` } : {}),
    attributes: {
      "mlflow.traceRequestId": JSON.stringify(`tr-${traceHex}`),
      "mlflow.spanType": JSON.stringify(parent ? "LLM" : "CHAIN"),
      "mlflow.spanInputs": JSON.stringify({ question: `q-${name}` }),
      "mlflow.spanOutputs": JSON.stringify(`a-${name}`),
    },
    statusCode: 1,
    statusMessage: "",
    events: [],
  };
}

/** The trace info rest_store.start_trace sends at the root span's end (StartTraceV3, message_to_json). */
function startTraceBody(traceId: string, experimentId: string, extra: Json = {}): Json {
  return {
    trace: {
      trace_info: {
        trace_id: traceId,
        client_request_id: "req-1",
        trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: experimentId } },
        request_preview: '{"question": "q-predict"}',
        response_preview: '"a-predict"',
        request_time: "2025-06-01T12:00:00.100Z",
        execution_duration: "0.012s",
        state: "OK",
        trace_metadata: { "mlflow.trace_schema.version": "3", "mlflow.user": "alice", "mlflow.source.name": "train.py" },
        tags: { "mlflow.traceName": "predict" },
        ...extra,
      },
    },
  };
}

for (const kind of DB_KINDS) {
  describe(`MLflow 3 traces (${kind})`, () => {
    const db = useTestDatabase(kind);
    const { ok, fails, call: call2 } = trackingClient(db);
    const { call: call3 } = trackingClient(db, "/api/3.0/mlflow/");
    /** Alice unless told otherwise. */
    const v2 = { call: (method: string, path: string, body: Json = {}, who = alice) => call2(method, path, body, who) };
    const v3 = { call: (method: string, path: string, body: Json = {}, who = alice) => call3(method, path, body, who) };

    const newExperiment = async (who = alice) =>
      String((await ok(v2.call("POST", "experiments/create", { name: unique("tr-exp") }, who))).experiment_id);
    const otlp = (experimentId: string, body: BodyInit, who = alice, type = "application/x-protobuf") =>
      ingestOtlpRequest(
        new Request("http://atrium.test/v1/traces", {
          method: "POST",
          headers: { "content-type": type, "x-mlflow-experiment-id": experimentId },
          body,
        }),
        { db: db(), principal: who },
      );
    const tracePath = (exp: string, traceId: string, file = "traces.json") => [
      exp,
      "traces",
      traceId,
      "artifacts",
      ...(file ? [file] : []),
    ];
    const putTraceData = (exp: string, traceId: string, data: unknown, who = alice) =>
      uploadTraceFile(
        db(),
        who,
        tracePath(exp, traceId),
        new Request("http://atrium.test/x", { method: "PUT", body: JSON.stringify(data) }),
      );
    const downloadSpans = async (exp: string, traceId: string) => {
      const res = await downloadTraceFile({ db: db(), principal: bob }, tracePath(exp, traceId));
      expect(res.status).toBe(200);
      return (JSON.parse(await res.text()) as { spans: Json[] }).spans;
    };
    const startV3 = (traceId: string, exp: string, extra: Json = {}, who = alice) =>
      v3.call("POST", "traces", startTraceBody(traceId, exp, extra), who);
    const newTrace = async (exp: string, extra: Json = {}, who = alice) => {
      const traceId = `tr-${hex(16)}`;
      await ok(startV3(traceId, exp, extra, who));
      return traceId;
    };

    it("stores an @mlflow.trace call as the 3.x client sends it: OTLP spans, StartTraceV3, then reads it back", async () => {
      const exp = await newExperiment();
      const t = hex(16);
      const root = hex(8);
      const child = hex(8);
      // mlflow_v3.py _export_spans_incrementally: each span as it ends, the child first (rest_store.log_spans).
      const first = await otlp(exp, encodeOtlpProtobuf([mlflowOtelSpan(t, child, root, "llm", 1748779200102, 1748779200110)]));
      expect(first.status).toBe(200);
      expect(first.headers.get("content-type")).toBe("application/x-protobuf");
      const inProgress = await ok(v3.call("GET", `traces/tr-${t}`, {}, bob));
      expect((inProgress.trace as { trace_info: Json }).trace_info.state).toBe("IN_PROGRESS");
      expect(
        (await otlp(exp, encodeOtlpProtobuf([mlflowOtelSpan(t, root, undefined, "predict", 1748779200100, 1748779200112)]))).status,
      ).toBe(200);
      // _log_trace: StartTraceV3 with the full info, at the root's end.
      const started = await ok(startV3(`tr-${t}`, exp));
      const info = (started.trace as { trace_info: Json }).trace_info;
      expect(info).toEqual({
        trace_id: `tr-${t}`,
        client_request_id: "req-1",
        trace_location: { type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: exp } },
        request_preview: '{"question": "q-predict"}',
        response_preview: '"a-predict"',
        request_time: "2025-06-01T12:00:00.100Z",
        execution_duration: "0.012s",
        state: "OK",
        trace_metadata: { "mlflow.trace_schema.version": "3", "mlflow.user": "alice", "mlflow.source.name": "train.py" },
        assessments: [],
        tags: { "mlflow.traceName": "predict", "mlflow.artifactLocation": `mlflow-artifacts:/${exp}/traces/tr-${t}/artifacts` },
      });
      // No spansLocation tag, so the client uploads traces.json to the artifact location; it carries the same spans.
      const dict = (spanHex: string, parent: string, name: string, startNs: number) => ({
        trace_id: b64(t),
        span_id: b64(spanHex),
        trace_state: "",
        parent_span_id: parent ? b64(parent) : "",
        name,
        start_time_unix_nano: startNs,
        end_time_unix_nano: 1748779200112000000,
        attributes: { "mlflow.traceRequestId": `"tr-${t}"`, "mlflow.spanType": '"CHAIN"', "mlflow.spanInputs": '{"question": "q"}' },
        status: { message: "", code: "STATUS_CODE_OK" },
        events: [],
      });
      const put = await putTraceData(exp, `tr-${t}`, {
        spans: [dict(root, "", "predict", 1748779200100000000), dict(child, root, "llm", 1748779200102000000)],
      });
      expect(put.status).toBe(200);
      // get_trace: GetTraceInfoV3, the artifact repo's listing of traces.json (a file, so empty), then the file.
      const got = await ok(v3.call("GET", `traces/tr-${t}`, {}, bob));
      expect((got.trace as { trace_info: Json }).trace_info.state).toBe("OK");
      expect(await (await listTraceFiles(db(), tracePath(exp, `tr-${t}`))).json()).toEqual({});
      const folder = (await (await listTraceFiles(db(), tracePath(exp, `tr-${t}`, ""))).json()) as { files: Json[] };
      expect(folder.files).toEqual([expect.objectContaining({ path: "traces.json", is_dir: false })]);
      const spans = await downloadSpans(exp, `tr-${t}`);
      expect(spans.map((s) => s.name)).toEqual(["predict", "llm"]);
      expect(spans[1]?.parent_span_id).toBe(b64(root));
      // The UI's download (ajax-api get-trace-artifact) answers the same spans.
      const viaAjax = await ok(v2.call("GET", "get-trace-artifact", { request_id: `tr-${t}` }, bob));
      expect((viaAjax.spans as Json[]).map((s) => s.span_id)).toEqual([b64(root), b64(child)]);
    });

    it("ingests OTLP JSON (hex ids) and completes the trace when its root span arrives", async () => {
      const exp = await newExperiment();
      const t = hex(16);
      const [root, child] = [hex(8), hex(8)];
      const otlpJson = (spans: Json[]) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
      const span = (id: string, parent: string, name: string, start: string, end: string, code: number) => ({
        traceId: t,
        spanId: id,
        ...(parent ? { parentSpanId: parent } : {}),
        name,
        startTimeUnixNano: start,
        endTimeUnixNano: end,
        attributes: [
          { key: "llm.model", value: { stringValue: "gpt" } },
          { key: "tokens", value: { intValue: "42" } },
        ],
        status: { code },
      });
      expect(
        (await otlp(exp, otlpJson([span(child, root, "tool", "1700000000001000000", "1700000000002000000", 1)]), alice, "application/json"))
          .status,
      ).toBe(200);
      const partial = await ok(v3.call("GET", `traces/tr-${t}`, {}));
      expect((partial.trace as { trace_info: Json }).trace_info).toMatchObject({
        state: "IN_PROGRESS",
        request_time: "2023-11-14T22:13:20.001Z",
      });
      const res = await otlp(
        exp,
        otlpJson([span(root, "", "agent", "1700000000000000000", "1700000000250000000", 2)]),
        alice,
        "application/json",
      );
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
      const done = ((await ok(v3.call("GET", `traces/tr-${t}`, {}))).trace as { trace_info: Json }).trace_info;
      expect(done).toMatchObject({ state: "ERROR", execution_duration: "0.250s", request_time: "2023-11-14T22:13:20.000Z" });
      expect(done.tags).toMatchObject({ "mlflow.traceName": "agent" });
      const spans = await downloadSpans(exp, `tr-${t}`);
      expect(spans.map((s) => [s.name, (s.status as Json).code])).toEqual([
        ["agent", "STATUS_CODE_ERROR"],
        ["tool", "STATUS_CODE_OK"],
      ]);
      // A plain exporter's attributes, JSON-encoded with what MLflow's Span.from_dict needs added.
      expect(spans[1]?.attributes).toEqual({
        "llm.model": '"gpt"',
        tokens: "42",
        "mlflow.traceRequestId": JSON.stringify(`tr-${t}`),
        "mlflow.spanType": '"UNKNOWN"',
      });
    });

    it("keeps the last of two spans with one id in one export, for a new trace and for one it already holds", async () => {
      const exp = await newExperiment();
      const t = hex(16);
      const root = hex(8);
      const twice = [
        mlflowOtelSpan(t, root, undefined, "first", 1748779200100, 1748779200112),
        mlflowOtelSpan(t, root, undefined, "second", 1748779200100, 1748779200112),
      ];
      // Postgres refuses to upsert one row twice in a statement; that was a 500 for a body a client sent.
      expect((await otlp(exp, encodeOtlpProtobuf(twice))).status).toBe(200);
      expect((await downloadSpans(exp, `tr-${t}`)).map((s) => s.name)).toEqual(["second"]);
      const again = [
        mlflowOtelSpan(t, root, undefined, "third", 1748779200100, 1748779200112),
        mlflowOtelSpan(t, root, undefined, "fourth", 1748779200100, 1748779200112),
      ];
      expect((await otlp(exp, encodeOtlpProtobuf(again))).status).toBe(200);
      expect((await downloadSpans(exp, `tr-${t}`)).map((s) => s.name)).toEqual(["fourth"]);
    });

    it("refuses OTLP without the experiment header, with a wrong type or a broken body", async () => {
      const exp = await newExperiment();
      const noHeader = await ingestOtlpRequest(
        new Request("http://atrium.test/v1/traces", {
          method: "POST",
          headers: { "content-type": "application/x-protobuf" },
          body: new Uint8Array(),
        }),
        { db: db(), principal: alice },
      );
      expect(noHeader.status).toBe(400);
      expect(await noHeader.json()).toMatchObject({
        error_code: "INVALID_PARAMETER_VALUE",
        message: expect.stringContaining("x-mlflow-experiment-id"),
      });
      expect((await otlp(exp, "x", alice, "text/plain")).status).toBe(400);
      const broken = await otlp(exp, new Uint8Array([0x0a, 0xff, 0xff, 0xff]));
      expect(await broken.json()).toEqual({ error_code: "INVALID_PARAMETER_VALUE", message: "Invalid OpenTelemetry protobuf format." });
      const missing = await otlp("987654", encodeOtlpProtobuf([mlflowOtelSpan(hex(16), hex(8), undefined, "x", 1, 2)]));
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ error_code: "RESOURCE_DOES_NOT_EXIST" });
    });

    it("starts and ends a trace with the deprecated v2 API, and reads its v2 info", async () => {
      const exp = await newExperiment();
      const started = await ok(
        v2.call("POST", "traces", {
          experiment_id: exp,
          timestamp_ms: 1000,
          request_metadata: [{ key: "m", value: "1" }],
          tags: [{ key: "t", value: "a" }],
        }),
      );
      const info = started.trace_info as Json;
      expect(info.request_id).toMatch(/^[0-9a-f]{32}$/);
      expect(info).toMatchObject({
        experiment_id: exp,
        timestamp_ms: 1000,
        status: "IN_PROGRESS",
        request_metadata: [{ key: "m", value: "1" }],
      });
      const id = String(info.request_id);
      const ended = await ok(v2.call("PATCH", `traces/${id}`, { timestamp_ms: 1250, status: "OK", tags: [{ key: "u", value: "b" }] }));
      expect(ended.trace_info).toMatchObject({ execution_time_ms: 250, status: "OK" });
      const read = (await ok(v2.call("GET", `traces/${id}/info`, {}, bob))).trace_info as Json;
      expect(read.tags).toEqual(
        expect.arrayContaining([
          { key: "t", value: "a" },
          { key: "u", value: "b" },
          { key: "mlflow.artifactLocation", value: `mlflow-artifacts:/${exp}/traces/${id}/artifacts` },
        ]),
      );
      await fails(v2.call("GET", "traces/tr-nope/info"), 404, "RESOURCE_DOES_NOT_EXIST", "Trace with ID tr-nope is not found.");
      await fails(v2.call("PATCH", `traces/${id}`, { status: "OK" }), 400, "INVALID_PARAMETER_VALUE", "'timestamp_ms'");
    });

    it("refuses a bad StartTraceV3 with 400 naming the field, and stores nothing", async () => {
      const exp = await newExperiment();
      const id = `tr-${hex(16)}`;
      await fails(startV3(id, exp, { state: "DONE" }), 400, "INVALID_PARAMETER_VALUE", "'trace.trace_info.state'");
      await fails(startV3(id, exp, { request_time: "yesterday" }), 400, "INVALID_PARAMETER_VALUE", "'trace.trace_info.request_time'");
      await fails(startV3(id, exp, { tags: { k: 5 } }), 400, "INVALID_PARAMETER_VALUE", "'trace.trace_info.tags.k'");
      await fails(startV3(id, exp, { trace_location: { type: "MLFLOW_EXPERIMENT" } }), 400, "INVALID_PARAMETER_VALUE", "experiment_id");
      await fails(startV3(id, "424242"), 404, "RESOURCE_DOES_NOT_EXIST", "No Experiment with id=424242 exists");
      await fails(v3.call("GET", `traces/${id}`, {}), 404, "RESOURCE_DOES_NOT_EXIST");
    });

    it("keeps the assessments StartTraceV3's trace info carries, once even when the client retries", async () => {
      // mlflow/entities/trace_info.py to_proto puts `assessments` in the TraceInfo that StartTraceV3 sends.
      const exp = await newExperiment();
      const id = `tr-${hex(16)}`;
      const aid = `a-${hex(16)}`;
      const feedback = {
        assessment_id: aid,
        assessment_name: "correct",
        trace_id: id,
        source: { source_type: "HUMAN", source_id: "alice" },
        feedback: { value: true },
        rationale: "matches the reference",
      };
      const expectation = { assessment_name: "expected", source: { source_type: "CODE" }, expectation: { value: "a-predict" } };
      await ok(startV3(id, exp, { assessments: [feedback, expectation] }));
      await ok(startV3(id, exp, { assessments: [feedback] }));
      const info = ((await ok(v3.call("GET", `traces/${id}`, {}, bob))).trace as { trace_info: { assessments: Json[] } }).trace_info;
      expect(info.assessments.map((a) => [a.assessment_name, a.rationale ?? null])).toEqual([
        ["correct", "matches the reference"],
        ["expected", null],
      ]);
      expect(info.assessments[0]?.assessment_id).toBe(aid);
      // A bad assessment refuses the whole start: neither the trace nor its other assessment is kept.
      const bad = `tr-${hex(16)}`;
      await fails(
        startV3(bad, exp, { assessments: [expectation, { assessment_name: "x", source: { source_type: "HUMAN" } }] }),
        400,
        "INVALID_PARAMETER_VALUE",
      );
      await fails(startV3(bad, exp, { assessments: [{ ...feedback, trace_id: id }] }), 400, "INVALID_PARAMETER_VALUE", id);
      await fails(startV3(bad, exp, { assessments: [{ ...feedback, trace_id: bad }] }), 400, "INVALID_PARAMETER_VALUE", "already in use");
      await fails(v3.call("GET", `traces/${bad}`, {}), 404, "RESOURCE_DOES_NOT_EXIST");
    });

    it("searches with MLflow's trace filters, orders and pages (v3 and v2)", async () => {
      const exp = await newExperiment();
      const other = await newExperiment();
      const base = Date.parse("2025-01-01T00:00:00Z");
      const at = (i: number) => new Date(base + i * 1000).toISOString();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(
          await newTrace(exp, {
            request_time: at(i),
            execution_duration: `${(i / 10).toFixed(3)}s`,
            state: i % 2 === 0 ? "OK" : "ERROR",
            tags: { "mlflow.traceName": i < 3 ? "predict" : "chat", env: i === 4 ? "prod" : "dev" },
            trace_metadata: { "mlflow.sourceRun": i === 1 ? "run-one" : "none" },
          }),
        );
      }
      await newTrace(other, { request_time: at(9) });
      const search = async (body: Json) => {
        const r = await ok(
          v3.call(
            "POST",
            "traces/search",
            { locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: exp } }], ...body },
            bob,
          ),
        );
        return { ids: ((r.traces as Json[] | undefined) ?? []).map((t) => t.trace_id), next: r.next_page_token as string | undefined };
      };
      expect((await search({})).ids).toEqual([ids[4], ids[3], ids[2], ids[1], ids[0]]);
      expect((await search({ filter: "attributes.status = 'OK'" })).ids).toEqual([ids[4], ids[2], ids[0]]);
      expect((await search({ filter: "tags.env = 'prod'" })).ids).toEqual([ids[4]]);
      expect((await search({ filter: `timestamp_ms > ${base + 2000}` })).ids).toEqual([ids[4], ids[3]]);
      expect((await search({ filter: "execution_time_ms >= 200 AND trace.name = 'predict'" })).ids).toEqual([ids[2]]);
      expect((await search({ filter: "metadata.`mlflow.sourceRun` = 'run-one'" })).ids).toEqual([ids[1]]);
      expect((await search({ filter: "trace.name LIKE 'pre%' AND status IN ('ERROR')" })).ids).toEqual([ids[1]]);
      expect((await search({ order_by: ["execution_time_ms ASC"] })).ids).toEqual(ids);
      const page1 = await search({ max_results: 2, order_by: ["timestamp_ms ASC"] });
      expect(page1.ids).toEqual([ids[0], ids[1]]);
      const page2 = await search({ max_results: 2, order_by: ["timestamp_ms ASC"], page_token: page1.next });
      expect(page2.ids).toEqual([ids[2], ids[3]]);
      const page3 = await search({ max_results: 2, order_by: ["timestamp_ms ASC"], page_token: page2.next });
      expect(page3).toEqual({ ids: [ids[4]], next: undefined });
      // The v2 search (GET /api/2.0/mlflow/traces) answers v2 infos.
      const legacy = await ok(v2.call("GET", "traces", { experiment_ids: exp, filter: "status = 'ERROR'", order_by: "timestamp_ms ASC" }));
      expect((legacy.traces as Json[]).map((t) => [t.request_id, t.status])).toEqual([
        [ids[1], "ERROR"],
        [ids[3], "ERROR"],
      ]);
      const where = { locations: [{ mlflow_experiment: { experiment_id: exp } }] };
      await fails(
        v3.call("POST", "traces/search", { ...where, filter: "attributes.colour = 'red'" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "unknown trace attribute",
      );
      await fails(
        v3.call("POST", "traces/search", { ...where, filter: "status = 'OK' OR status = 'ERROR'" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "AND only",
      );
      await fails(
        v3.call("POST", "traces/search", { ...where, filter: "timestamp_ms > 'soon'" }),
        400,
        "INVALID_PARAMETER_VALUE",
        "whole number",
      );
      await fails(v3.call("POST", "traces/search", { ...where, order_by: ["colour DESC"] }), 400, "INVALID_PARAMETER_VALUE", "order_by");
      await fails(v3.call("POST", "traces/search", {}), 400, "INVALID_PARAMETER_VALUE", "'locations'");
    });

    it("sets and deletes trace tags (v2 and v3 paths)", async () => {
      const exp = await newExperiment();
      const id = await newTrace(exp);
      await ok(v2.call("PATCH", `traces/${id}/tags`, { key: "reviewed", value: "yes" }));
      await ok(v3.call("PATCH", `traces/${id}/tags`, { key: "score", value: "5" }));
      const tags = () => ok(v3.call("GET", `traces/${id}`, {})).then((r) => (r.trace as { trace_info: { tags: Json } }).trace_info.tags);
      expect(await tags()).toMatchObject({ reviewed: "yes", score: "5" });
      await ok(v2.call("DELETE", `traces/${id}/tags`, { key: "reviewed" }));
      expect(await tags()).not.toHaveProperty("reviewed");
      await fails(
        v3.call("DELETE", `traces/${id}/tags`, { key: "reviewed" }),
        404,
        "RESOURCE_DOES_NOT_EXIST",
        "No trace tag with key 'reviewed'",
      );
      await fails(v2.call("PATCH", `traces/${id}/tags`, { value: "x" }), 400, "INVALID_PARAMETER_VALUE", "'key'");
    });

    it("links traces to a run: the run filter finds them, and deleting the traces leaves the run", async () => {
      const exp = await newExperiment();
      const { run } = (await ok(v2.call("POST", "runs/create", { experiment_id: exp }))) as { run: { info: { run_id: string } } };
      const runId = run.info.run_id;
      const [a, b] = [await newTrace(exp), await newTrace(exp)];
      await ok(v2.call("POST", "traces/link-to-run", { trace_ids: [a], run_id: runId }));
      const found = await ok(
        v3.call("POST", "traces/search", { locations: [{ mlflow_experiment: { experiment_id: exp } }], filter: `run_id = '${runId}'` }),
      );
      expect((found.traces as Json[]).map((t) => t.trace_id)).toEqual([a]);
      await fails(v2.call("POST", "traces/link-to-run", { trace_ids: [b], run_id: runId }, bob), 403, "PERMISSION_DENIED");
      await fails(v2.call("POST", "traces/link-to-run", { trace_ids: ["tr-missing"], run_id: runId }), 404, "RESOURCE_DOES_NOT_EXIST");
      const many = Array.from({ length: 101 }, () => `tr-${hex(16)}`);
      await fails(
        v2.call("POST", "traces/link-to-run", { trace_ids: many, run_id: runId }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Cannot link more than 100 traces",
      );
      expect(await ok(v2.call("POST", "traces/delete-traces", { experiment_id: exp, request_ids: [a, b] }))).toEqual({ traces_deleted: 2 });
      expect(((await ok(v2.call("GET", "runs/get", { run_id: runId }))).run as { info: Json }).info.lifecycle_stage).toBe("active");
    });

    it("deletes traces by id, or the oldest up to a time, with MLflow's rules for the arguments", async () => {
      const exp = await newExperiment();
      const base = Date.parse("2025-02-01T00:00:00Z");
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) ids.push(await newTrace(exp, { request_time: new Date(base + i * 1000).toISOString() }));
      const del = (body: Json, who = alice) => v3.call("POST", "traces/delete-traces", { experiment_id: exp, ...body }, who);
      await fails(del({}), 400, "INVALID_PARAMETER_VALUE", "Either `max_timestamp_millis` or `trace_ids` must be specified.");
      await fails(del({ max_timestamp_millis: base, request_ids: [ids[0]] }), 400, "INVALID_PARAMETER_VALUE", "Only one of");
      await fails(del({ request_ids: [ids[0]], max_traces: 1 }), 400, "INVALID_PARAMETER_VALUE", "`max_traces` can't be specified");
      await fails(del({ max_timestamp_millis: base, max_traces: 0 }), 400, "INVALID_PARAMETER_VALUE", "must be a positive integer");
      expect(await ok(del({ max_timestamp_millis: base + 2000, max_traces: 2 }))).toEqual({ traces_deleted: 2 });
      const left = await ok(v3.call("POST", "traces/search", { locations: [{ mlflow_experiment: { experiment_id: exp } }] }));
      expect((left.traces as Json[]).map((t) => t.trace_id)).toEqual([ids[3], ids[2]]);
      expect(await ok(del({ request_ids: [ids[2]] }))).toEqual({ traces_deleted: 1 });
      await fails(v3.call("GET", `traces/${ids[2]}`, {}), 404, "RESOURCE_DOES_NOT_EXIST");
    });

    it("creates, reads, updates, overrides and deletes assessments (assessments.proto)", async () => {
      const exp = await newExperiment();
      const id = await newTrace(exp);
      // rest_store.create_assessment: POST /api/3.0/mlflow/traces/<id>/assessments with {assessment: Assessment}.
      const created = await ok(
        v3.call("POST", `traces/${id}/assessments`, {
          assessment: {
            assessment_name: "correctness",
            trace_id: id,
            source: { source_type: "LLM_JUDGE", source_id: "gpt-judge" },
            feedback: { value: false },
            rationale: "The answer is off by one.",
            metadata: { round: "1" },
          },
        }),
      );
      const a = created.assessment as Json;
      expect(a).toMatchObject({
        assessment_name: "correctness",
        trace_id: id,
        source: { source_type: "LLM_JUDGE", source_id: "gpt-judge" },
        feedback: { value: false },
        rationale: "The answer is off by one.",
        metadata: { round: "1" },
        valid: true,
      });
      expect(a.assessment_id).toMatch(/^a-[0-9a-f]{32}$/);
      expect(a.create_time).toMatch(/Z$/);
      const aid = String(a.assessment_id);
      // A human corrects the judge: a new feedback that overrides the first.
      const human = await ok(
        v3.call("POST", `traces/${id}/assessments`, {
          assessment: {
            assessment_name: "correctness",
            source: { source_type: "HUMAN", source_id: "alice" },
            feedback: { value: true },
            overrides: aid,
          },
        }),
      );
      const hid = String((human.assessment as Json).assessment_id);
      expect(((await ok(v3.call("GET", `traces/${id}/assessments/${aid}`, {}, bob))).assessment as Json).valid).toBe(false);
      // update_mask as protobuf JSON writes a FieldMask: lowerCamelCase, comma-separated.
      const updated = await ok(
        v3.call("PATCH", `traces/${id}/assessments/${hid}`, {
          assessment: { assessment_id: hid, trace_id: id, assessment_name: "is_correct", feedback: { value: 0.9 } },
          update_mask: "assessmentName,feedback",
        }),
      );
      expect(updated.assessment).toMatchObject({ assessment_name: "is_correct", feedback: { value: 0.9 } });
      await ok(
        v3.call("POST", `traces/${id}/assessments`, {
          assessment: { assessment_name: "expected", source: { source_type: "HUMAN" }, expectation: { value: { answer: 42 } } },
        }),
      );
      const info = ((await ok(v3.call("GET", `traces/${id}`, {}))).trace as { trace_info: { assessments: Json[] } }).trace_info;
      expect(info.assessments.map((x) => [x.assessment_name, x.valid])).toEqual([
        ["correctness", false],
        ["is_correct", true],
        ["expected", true],
      ]);
      expect(info.assessments[2]).toMatchObject({ expectation: { value: { answer: 42 } } });
      await ok(v3.call("DELETE", `traces/${id}/assessments/${hid}`, {}));
      expect(((await ok(v3.call("GET", `traces/${id}/assessments/${aid}`, {}))).assessment as Json).valid).toBe(true);
      await fails(v3.call("GET", `traces/${id}/assessments/${hid}`, {}), 404, "RESOURCE_DOES_NOT_EXIST");
      const bad = { assessment_name: "x", source: { source_type: "HUMAN" } };
      await fails(v3.call("POST", `traces/${id}/assessments`, { assessment: bad }), 400, "INVALID_PARAMETER_VALUE", "Exactly one of");
      await fails(
        v3.call("POST", `traces/${id}/assessments`, { assessment: { ...bad, feedback: { value: 1 }, expectation: { value: 1 } } }),
        400,
        "INVALID_PARAMETER_VALUE",
        "Exactly one of",
      );
      await fails(
        v3.call("POST", `traces/${id}/assessments`, { assessment: { ...bad, source: { source_type: "ROBOT" }, feedback: { value: 1 } } }),
        400,
        "INVALID_PARAMETER_VALUE",
        "'assessment.source.source_type'",
      );
    });

    it("refuses span data past the per-trace cap with REQUEST_LIMIT_EXCEEDED, keeping what was stored", async () => {
      const exp = await newExperiment();
      const t = hex(16);
      const id = `tr-${t}`;
      await ok(startV3(id, exp));
      const big = (spanHex: string) => ({
        trace_id: b64(t),
        span_id: b64(spanHex),
        parent_span_id: "",
        name: "big",
        start_time_unix_nano: 1,
        end_time_unix_nano: 2,
        attributes: { "mlflow.spanInputs": JSON.stringify("x".repeat(9 * 1024 * 1024)) },
        status: { code: "STATUS_CODE_OK", message: "" },
        events: [],
      });
      const first = hex(8);
      expect((await putTraceData(exp, id, { spans: [big(first)] })).status).toBe(200);
      const refused = await putTraceData(exp, id, { spans: [big(hex(8))] });
      expect(refused.status).toBe(413);
      expect(await refused.json()).toMatchObject({
        error_code: "REQUEST_LIMIT_EXCEEDED",
        message: expect.stringContaining("the limit is 16.0 MiB per trace"),
      });
      const spans = await downloadSpans(exp, id);
      expect(spans.map((s) => s.span_id)).toEqual([b64(first)]);
      // The same span sent again replaces itself, so a retried upload is not counted twice.
      expect((await putTraceData(exp, id, { spans: [big(first)] })).status).toBe(200);
    });

    it("counts span bytes against the trace owner's storage quota, refuses past it, frees on delete and recounts them", async () => {
      const QUOTA = 64 * 1024;
      const owner = principal("tr-quota");
      await db()
        .insert(users)
        .values({
          ...withNewIdentity({ name: "tr-quota", role: "user", limits: { maxStorageGb: QUOTA / 1024 ** 3 } }),
          id: testUserId("tr-quota"),
        })
        .onConflictDoNothing();
      const used = () => storedBytes(db(), testUserId("tr-quota"));
      const before = await used();
      const exp = await newExperiment(owner);
      const t = hex(16);
      const id = `tr-${t}`;
      await ok(startV3(id, exp, {}, owner));
      const span = (spanHex: string, chars: number) => ({
        trace_id: b64(t),
        span_id: b64(spanHex),
        parent_span_id: "",
        name: "s",
        start_time_unix_nano: 1,
        end_time_unix_nano: 2,
        attributes: { "mlflow.spanInputs": JSON.stringify("x".repeat(chars)) },
        status: { code: "STATUS_CODE_OK", message: "" },
        events: [],
      });
      const first = span(hex(8), 20_000);
      expect((await putTraceData(exp, id, { spans: [first] }, owner)).status).toBe(200);
      const firstBytes = Buffer.byteLength(JSON.stringify(first));
      expect((await used()) - before).toBe(firstBytes);
      // Sent again, the same span replaces itself and is not counted twice.
      expect((await putTraceData(exp, id, { spans: [first] }, owner)).status).toBe(200);
      expect((await used()) - before).toBe(firstBytes);
      // An admin writing into the trace writes into its owner's storage; past the quota nothing is kept.
      const refused = await putTraceData(exp, id, { spans: [span(hex(8), 50_000)] }, admin);
      expect(refused.status).toBe(413);
      expect(await refused.json()).toEqual({
        error_code: "RESOURCE_EXHAUSTED",
        message: expect.stringMatching(
          /^These spans would take tr-quota's artifacts and traces past their storage quota of 64\.0 KiB \(.* in use\); delete traces or artifacts, or ask an admin for more\.$/,
        ),
      });
      const otlpRefused = await otlp(
        exp,
        encodeOtlpProtobuf([{ ...mlflowOtelSpan(t, hex(8), undefined, "x".repeat(60_000), 1, 2) }]),
        owner,
      );
      expect(otlpRefused.status).toBe(413);
      expect(await downloadSpans(exp, id)).toHaveLength(1);
      expect((await used()) - before).toBe(firstBytes);
      // A new trace's spans and their charge are sent together: past the quota neither the trace nor its spans stay …
      const t2 = hex(16);
      const newRefused = await otlp(exp, encodeOtlpProtobuf([mlflowOtelSpan(t2, hex(8), undefined, "x".repeat(60_000), 1, 2)]), owner);
      expect(newRefused.status).toBe(413);
      expect(await newRefused.json()).toMatchObject({ error_code: "RESOURCE_EXHAUSTED" });
      await fails(v2.call("GET", `traces/tr-${t2}/info`, {}, owner), 404, "RESOURCE_DOES_NOT_EXIST");
      expect((await used()) - before).toBe(firstBytes);
      // … and within it, the new trace counts exactly the bytes it stores.
      const t3 = hex(16);
      expect((await otlp(exp, encodeOtlpProtobuf([mlflowOtelSpan(t3, hex(8), undefined, "small", 1, 2)]), owner)).status).toBe(200);
      const [stored] = await downloadSpans(exp, `tr-${t3}`);
      expect((await used()) - before).toBe(firstBytes + Buffer.byteLength(JSON.stringify(stored)));
      // The recount counts span rows as the writes did.
      await recountStorage(db(), new LocalArtifactStore(mkdtempSync(path.join(os.tmpdir(), "atrium-trace-recount-"))), admin);
      const recounted = await used();
      await ok(v2.call("POST", "traces/delete-traces", { experiment_id: exp, request_ids: [id] }, owner));
      expect(recounted - (await used())).toBe(firstBytes);
    });

    it("lists a trace under a run (metadata mlflow.sourceRun) only for the run's writer, as link-to-run", async () => {
      const aliceExp = await newExperiment(alice);
      const aliceRun = String(
        ((await ok(v2.call("POST", "runs/create", { experiment_id: aliceExp }, alice))).run as { info: { run_id: string } }).info.run_id,
      );
      const bobExp = await newExperiment(bob);
      const underAlice = { "mlflow.sourceRun": aliceRun, "mlflow.trace_schema.version": "3" };
      const sentence = `Only tr-alice or an admin may link traces to run ${aliceRun}.`;
      await fails(startV3(`tr-${hex(16)}`, bobExp, { trace_metadata: underAlice }, bob), 403, "PERMISSION_DENIED", sentence);
      await fails(
        v2.call(
          "POST",
          "traces",
          { experiment_id: bobExp, timestamp_ms: 1, request_metadata: [{ key: "mlflow.sourceRun", value: aliceRun }] },
          bob,
        ),
        403,
        "PERMISSION_DENIED",
      );
      const started = await ok(v2.call("POST", "traces", { experiment_id: bobExp, timestamp_ms: 1 }, bob));
      const v2Id = (started.trace_info as { request_id: string }).request_id;
      await fails(
        v2.call("PATCH", `traces/${v2Id}`, { timestamp_ms: 5, request_metadata: [{ key: "mlflow.sourceRun", value: aliceRun }] }, bob),
        403,
        "PERMISSION_DENIED",
      );
      const underRun = () =>
        ok(
          v3.call("POST", "traces/search", {
            locations: [{ mlflow_experiment: { experiment_id: bobExp } }, { mlflow_experiment: { experiment_id: aliceExp } }],
            filter: `run_id = '${aliceRun}'`,
          }),
        );
      expect((await underRun()).traces ?? []).toEqual([]);
      // The run's owner may.
      await ok(startV3(`tr-${hex(16)}`, aliceExp, { trace_metadata: underAlice }, alice));
      expect((await underRun()).traces).toHaveLength(1);
    });

    it("lets only the trace's creator, the experiment's owner or an admin change a trace; a stranger changes nothing", async () => {
      const exp = await newExperiment(carol);
      const t = hex(16);
      const id = `tr-${t}`;
      await ok(startV3(id, exp, { tags: { owner: "alice" } }, alice));
      const before = await ok(v3.call("GET", `traces/${id}`, {}, bob));
      await fails(
        v2.call("PATCH", `traces/${id}/tags`, { key: "x", value: "y" }, bob),
        403,
        "PERMISSION_DENIED",
        `the owner of experiment ${exp} or an admin`,
      );
      await fails(v2.call("DELETE", `traces/${id}/tags`, { key: "owner" }, bob), 403, "PERMISSION_DENIED");
      await fails(v2.call("PATCH", `traces/${id}`, { timestamp_ms: 5 }, bob), 403, "PERMISSION_DENIED");
      await fails(startV3(id, exp, { state: "ERROR" }, bob), 403, "PERMISSION_DENIED");
      await fails(v2.call("POST", "traces/delete-traces", { experiment_id: exp, request_ids: [id] }, bob), 403, "PERMISSION_DENIED");
      await fails(
        v2.call("POST", "traces/delete-traces", { experiment_id: exp, max_timestamp_millis: Date.now() }, alice),
        403,
        "PERMISSION_DENIED",
      );
      await fails(
        v3.call(
          "POST",
          `traces/${id}/assessments`,
          { assessment: { assessment_name: "n", source: { source_type: "HUMAN" }, feedback: { value: 1 } } },
          bob,
        ),
        403,
        "PERMISSION_DENIED",
      );
      const spanPut = await putTraceData(exp, id, { spans: [] }, bob);
      expect(spanPut.status).toBe(403);
      const spanOtlp = await otlp(exp, encodeOtlpProtobuf([mlflowOtelSpan(t, hex(8), undefined, "evil", 1, 2)]), bob);
      expect(spanOtlp.status).toBe(403);
      expect(await spanOtlp.json()).toMatchObject({ error_code: "PERMISSION_DENIED" });
      expect(await ok(v3.call("GET", `traces/${id}`, {}, bob))).toEqual(before);
      expect(await downloadSpans(exp, id)).toEqual([]);
      // The experiment's owner and an admin may.
      await ok(v2.call("PATCH", `traces/${id}/tags`, { key: "by", value: "carol" }, carol));
      await ok(v3.call("PATCH", `traces/${id}/tags`, { key: "by", value: "root" }, admin));
      expect(await ok(v2.call("POST", "traces/delete-traces", { experiment_id: exp, max_timestamp_millis: Date.now() }, carol))).toEqual({
        traces_deleted: 1,
      });
    });

    it("log_expectation with a dict or list keeps MLflow's serialized_value; log_feedback(error=...) needs no value", async () => {
      const exp = await newExperiment();
      const id = await newTrace(exp);
      const source = { source_type: "HUMAN", source_id: "alice@example.com" };
      // Expectation.to_proto (mlflow/entities/assessment.py): a dict or list is sent as serialized_value, JSON_FORMAT.
      const serialized = { serialization_format: "JSON_FORMAT", value: JSON.stringify({ answer: "Paris", facts: ["capital", "France"] }) };
      const dict = await ok(
        v3.call("POST", `traces/${id}/assessments`, {
          assessment: { assessment_name: "expected", trace_id: id, source, expectation: { serialized_value: serialized } },
        }),
      );
      expect((dict.assessment as Json).expectation).toEqual({ serialized_value: serialized });
      const listed = { serialization_format: "JSON_FORMAT", value: JSON.stringify(["a", "b"]) };
      await ok(
        v3.call("POST", `traces/${id}/assessments`, {
          assessment: { assessment_name: "expected_list", trace_id: id, source, expectation: { serialized_value: listed } },
        }),
      );
      // FeedbackValue.to_proto with value None: a null google.protobuf.Value beside the AssessmentError.
      const error = { error_code: "RATE_LIMIT", error_message: "judge was rate limited" };
      const failed = await ok(
        v3.call("POST", `traces/${id}/assessments`, {
          assessment: {
            assessment_name: "relevance",
            trace_id: id,
            source: { source_type: "LLM_JUDGE", source_id: "gpt" },
            feedback: { value: null, error },
          },
        }),
      );
      expect((failed.assessment as Json).feedback).toEqual({ value: null, error });
      const info = (await ok(v3.call("GET", `traces/${id}`, {}, bob))).trace as Json;
      const byName = new Map(((info.trace_info as Json).assessments as Json[]).map((a) => [a.assessment_name, a]));
      expect(byName.get("expected")?.expectation).toEqual({ serialized_value: serialized });
      expect(byName.get("expected_list")?.expectation).toEqual({ serialized_value: listed });
      expect(byName.get("relevance")?.feedback).toEqual({ value: null, error });
    });

    it("search_traces filters on feedback.<name>, span.name, span attributes and trace.text (SearchTraceUtils)", async () => {
      const exp = await newExperiment();
      const t1 = hex(16);
      const t2 = hex(16);
      const spans = [
        {
          ...mlflowOtelSpan(t1, hex(8), undefined, "retrieve", 1000, 1100),
          attributes: { ...mlflowOtelSpan(t1, hex(8), undefined, "retrieve", 1, 2).attributes, "llm.model": JSON.stringify("gpt-4o") },
        },
        mlflowOtelSpan(t2, hex(8), undefined, "answer", 1000, 1100),
      ];
      expect((await otlp(exp, encodeOtlpProtobuf(spans))).status).toBe(200);
      const [id1, id2] = [`tr-${t1}`, `tr-${t2}`];
      await ok(
        v3.call("POST", `traces/${id1}/assessments`, {
          assessment: { assessment_name: "correct", source: { source_type: "HUMAN" }, feedback: { value: "yes" } },
        }),
      );
      await ok(
        v3.call("POST", `traces/${id2}/assessments`, {
          assessment: { assessment_name: "correct", source: { source_type: "HUMAN" }, feedback: { value: "no" } },
        }),
      );
      // rest_store._search_traces: SearchTracesV3(locations, filter, max_results, order_by) POST …/traces/search.
      const search = async (filter: string) => {
        const body = await ok(
          v3.call("POST", "traces/search", {
            locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: exp } }],
            filter,
            max_results: 100,
            order_by: [],
          }),
        );
        return ((body.traces as Json[] | undefined) ?? []).map((t) => t.trace_id).sort();
      };
      expect(await search("feedback.correct = 'yes'")).toEqual([id1]);
      expect(await search("feedback.correct != 'yes'")).toEqual([id2]);
      expect(await search("span.name = 'answer'")).toEqual([id2]);
      expect(await search("span.name LIKE 'retr%'")).toEqual([id1]);
      expect(await search("span.type = 'CHAIN'")).toEqual([id1, id2].sort());
      expect(await search("span.attributes.llm.model = 'gpt-4o'")).toEqual([id1]);
      expect(await search("trace.text ILIKE '%Q-ANSWER%'")).toEqual([id2]);
      expect(await search("feedback.correct = 'yes' AND span.name = 'answer'")).toEqual([]);
      await fails(
        v3.call("POST", "traces/search", {
          locations: [{ type: "MLFLOW_EXPERIMENT", mlflow_experiment: { experiment_id: exp } }],
          filter: "trace.text = 'x'",
        }),
        400,
        "INVALID_PARAMETER_VALUE",
        "supports only LIKE and ILIKE",
      );
    });

    it("reads back a plain OpenTelemetry exporter's spans with what MLflow's Span needs", async () => {
      const exp = await newExperiment();
      const t = hex(16);
      const plain: OtlpSpan = {
        traceIdHex: t,
        spanIdHex: hex(8),
        name: "chat gpt-4o",
        startNs: "1700000000000000000",
        endNs: "1700000000500000000",
        attributes: { "gen_ai.system": "openai", "gen_ai.usage.input_tokens": 12 },
        statusCode: 1,
        statusMessage: "",
        events: [],
      };
      expect((await otlp(exp, encodeOtlpProtobuf([plain]))).status).toBe(200);
      // get_trace reads spans through get-trace-artifact (rest_store / artifact repo); Span.from_dict needs these.
      const data = await ok(v3.call("GET", "get-trace-artifact", { request_id: `tr-${t}` }, bob));
      const [span] = data.spans as Json[];
      expect(span?.attributes).toEqual({
        "gen_ai.system": JSON.stringify("openai"),
        "gen_ai.usage.input_tokens": "12",
        "mlflow.traceRequestId": JSON.stringify(`tr-${t}`),
        "mlflow.spanType": JSON.stringify("UNKNOWN"),
      });
      expect(((await ok(v3.call("GET", `traces/tr-${t}`))).trace as Json).trace_info).toMatchObject({ state: "OK" });
    });

    it("answers calculate-filter-correlation with MLflow's NOT_IMPLEMENTED and get-trace-artifact as an attachment", async () => {
      const exp = await newExperiment();
      const id = await newTrace(exp);
      // rest_store.calculate_trace_filter_correlation: POST /api/3.0/mlflow/traces/calculate-filter-correlation.
      const body = { experiment_ids: [exp], filter_string1: "span.name = 'a'", filter_string2: "feedback.x = 'y'" };
      await fails(v3.call("POST", "traces/calculate-filter-correlation", body), 501, "NOT_IMPLEMENTED", "search_traces");
      await fails(
        v3.call("POST", "traces/calculate-filter-correlation", { ...body, filter_string1: "nope = 1" }),
        400,
        "INVALID_PARAMETER_VALUE",
      );
      const res = await handleTrackingRequest(
        new Request(`http://atrium.test/api/3.0/mlflow/get-trace-artifact?request_id=${id}`),
        { db: db(), principal: bob },
        ["get-trace-artifact"],
        "3.0",
      );
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toBe("attachment; filename=traces.json");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    });
  });
}
