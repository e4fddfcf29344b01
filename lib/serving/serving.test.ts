/**
 * The serving runtime against the real parts: a scikit-learn model trained inside the real environment image,
 * written as an MLflow model directory into the real artifact store, bundled (lib/serving/bundle.ts), served
 * over HTTP from this test with a bearer token, fetched and unpacked by the real bootstrap in a hardened
 * container of the same image, and every input format and error of MLflow's scoring protocol compared field
 * by field with what MLflow's scoring server answers (expected bodies from mlflow/pyfunc/scoring_server and
 * mlflow/utils/proto_json_utils.py, cited per case).
 */
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import type Dockerode from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bodyChunks } from "@/lib/artifacts/http";
import { LocalArtifactStore } from "@/lib/artifacts/local-store";
import { putFile } from "@/lib/artifacts/store";
import { engineReadiness, SEEDED_IMAGE, swarmReadiness } from "@/lib/spawner/testing";
import { bundleStream, planBundle } from "./bundle";
import { SCORING_PORT, servingCommand, servingEnv } from "./container-runtime";
import { tarStream } from "./tar";
import { addressOf, bridgeGateway, execIn, logsOf, runToEnd, startContainer, startService, taskContainer } from "./testing/containers";
import { COLUMNS, ROWS } from "./testing/iris";

const CI = Boolean(process.env.CI);
const notReady = await engineReadiness(SEEDED_IMAGE);
if (notReady && !CI) console.warn(`[serving.test] skipped: ${notReady}`);

const PORT_BASE = Number(process.env.E2E_PORT_BASE ?? 4500);
const BUNDLE_PORT = PORT_BASE + 61;
const TOKEN = "bundle-token-for-one-model";
const RUN_ID = "0123456789abcdef0123456789abcdef";
const MODEL_URI = `mlflow-artifacts:/1/${RUN_ID}/artifacts/model`;
const BROKEN_URI = `mlflow-artifacts:/1/${RUN_ID}/artifacts/broken`;
const LONG_NAME = `${"a-very-long-file-name-".repeat(6)}end.txt`;
const tag = `${process.pid}`;

// mlflow/pyfunc/scoring_server/__init__.py: REQUIRED_INPUT_FORMAT (a Python set: its order varies per process,
// so messages are compared with the set normalised) and SCORING_PROTOCOL_CHANGE_INFO.
const REQUIRED_INPUT_FORMAT = "The input must be a JSON dictionary with exactly one of the input fields {SET}";
const SCORING_PROTOCOL_CHANGE_INFO =
  "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, you are likely using an outdated scoring request format. To resolve the error, either update your request format or adjust your MLflow Model's requirements file to specify an older version of MLflow (for example, change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making a request using the MLflow client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use the new request format. For more information about the updated MLflow Model scoring protocol in MLflow 2.0, see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.";
const UNEXPECTED_ERROR =
  "Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference.";

/** The Python set in REQUIRED_INPUT_FORMAT, checked to hold the four formats, then written as `{SET}`. */
function normaliseSet(message: string): string {
  return message.replace(/\{('[a-z_]+'(?:, )?){4}\}/, (set) => {
    const names = [...set.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]).sort();
    expect(names).toEqual(["dataframe_records", "dataframe_split", "inputs", "instances"]);
    return "{SET}";
  });
}

interface Trained {
  model: Record<string, string>;
  expected: { predictions: number[] };
  checks: Record<string, string>;
}

describe.skipIf(notReady !== undefined && !CI)(
  "serving runtime: MLflow's scoring protocol from a bundle (real engine, atrium-jupyterlab:1)",
  () => {
    let trained: Trained;
    let storeDir: string;
    let store: LocalArtifactStore;
    let bundleServer: Server;
    let serving: Dockerode.Container | undefined;
    let base = "";
    const bundleRequests: { path: string; auth: string | undefined }[] = [];

    beforeAll(async () => {
      if (notReady) throw new Error(`cannot run in CI: ${notReady}`);
      // 1. Train in the image and run the Python-level checks in the same container, in one go.
      const run = await runToEnd(
        {
          name: `atrium-test-serving-train-${tag}`,
          image: SEEDED_IMAGE,
          cmd: ["python3", "/src/testing/train_and_check.py"],
          binds: [`${import.meta.dirname}:/src:ro`],
          network: "none",
        },
        240_000,
      );
      if (run.exitCode !== 0) throw new Error(`training failed (${run.exitCode}): ${run.stderr.slice(-2000)}`);
      trained = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as Trained;

      // 2. Into the real artifact store, under a run's artifacts as MLflow's client logs them.
      storeDir = await mkdtemp(path.join(tmpdir(), "atrium-serving-"));
      store = new LocalArtifactStore(storeDir);
      const put = (key: string, bytes: Buffer) => putFile(store, key, Readable.from([bytes]));
      for (const [name, b64] of Object.entries(trained.model)) await put(`1/${RUN_ID}/artifacts/model/${name}`, Buffer.from(b64, "base64"));
      await put(`1/${RUN_ID}/artifacts/model/extra/${LONG_NAME}`, Buffer.from("kept\n"));
      await put(`1/${RUN_ID}/artifacts/broken/MLmodel`, Buffer.from(trained.model.MLmodel ?? "", "base64"));

      // 3. The portal's part, played by this test: the bundle over HTTP for the one token.
      const gateway = await bridgeGateway();
      bundleServer = createServer((req, res) => {
        bundleRequests.push({ path: req.url ?? "", auth: req.headers.authorization });
        if (req.headers.authorization !== `Bearer ${TOKEN}`) {
          res
            .writeHead(401, { "content-type": "application/json" })
            .end(JSON.stringify({ error: "unauthorized", message: "This token may not fetch this bundle." }));
          return;
        }
        if (req.url === "/evil") {
          // A bundle that tries to write outside its folder: the bootstrap must refuse it, whoever made it.
          const evil = tarStream(
            (async function* () {
              yield { kind: "file", path: "../escape.txt", size: 1, body: async () => [new Uint8Array([120])] } as const;
            })(),
          );
          res.writeHead(200, { "content-type": "application/x-tar" });
          Readable.from(evil).pipe(res);
          return;
        }
        const uri = req.url === "/broken" ? BROKEN_URI : MODEL_URI;
        planBundle(store, uri, 64 * 1024 * 1024)
          .then((plan) => {
            res.writeHead(200, { "content-type": "application/x-tar" });
            Readable.from(bodyChunks(bundleStream(store, plan))).pipe(res);
          })
          .catch((err: unknown) => res.writeHead(500).end(String(err)));
      });
      bundleServer.listen(BUNDLE_PORT, gateway);
      await once(bundleServer, "listening");

      // 4. The endpoint's container: the bootstrap as its command, the bundle URL and token in its environment.
      serving = await startContainer({
        name: `atrium-test-serving-${tag}`,
        image: SEEDED_IMAGE,
        cmd: servingCommand(),
        env: {
          ...servingEnv({ bundleUrl: `http://${gateway}:${BUNDLE_PORT}/model`, bundleToken: TOKEN, bundleMaxBytes: 64 * 1024 * 1024 }),
          ATRIUM_SCORING_MAX_BODY_MIB: "1",
        },
      });
      base = await scoringServerOf(serving);
    }, 420_000);

    afterAll(async () => {
      await serving?.remove({ force: true }).catch(() => undefined);
      await new Promise((r) => (bundleServer ? bundleServer.close(r) : r(undefined)));
      if (storeDir) await rm(storeDir, { recursive: true, force: true });
    });

    const call = async (pathname: string, init: RequestInit = {}) => {
      const res = await fetch(`${base}${pathname}`, { ...init, signal: AbortSignal.timeout(60_000) });
      return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
    };
    const post = (body: string | Blob, contentType?: string) =>
      call("/invocations", { method: "POST", body, headers: contentType === undefined ? {} : { "content-type": contentType } });
    const postJson = (body: unknown) => post(JSON.stringify(body), "application/json");
    const errorOf = async (res: Promise<{ status: number; type: string | null; text: string }>) => {
      const r = await res;
      expect(r.type).toBe("application/json");
      return { status: r.status, ...(JSON.parse(r.text) as { error_code: string; message: string; stack_trace?: string }) };
    };

    it("passes the Python-level checks run in the image", () => {
      expect(Object.keys(trained.checks)).toHaveLength(8);
      for (const [name, result] of Object.entries(trained.checks)) expect(result, name).toBe("ok");
    });

    it("fetched the bundle once, with the bearer token, and keeps the token out of the scoring server's environment", async () => {
      expect(bundleRequests.filter((r) => r.path === "/model")).toEqual([{ path: "/model", auth: `Bearer ${TOKEN}` }]);
      const env = await execIn(serving!, ["python3", "-c", "print(open('/proc/1/environ','rb').read().replace(b'\\0', b'\\n').decode())"]);
      expect(env).toContain("ATRIUM_BUNDLE_URL=");
      expect(env).not.toContain(TOKEN);
      // A name past ustar's 100 bytes arrives whole (a pax record), inside the unpacked model directory.
      const extra = await execIn(serving!, ["sh", "-c", `cat /tmp/atrium-bundle-*/model/extra/${LONG_NAME}`]);
      expect(extra).toBe("kept\n");
    });

    it("answers /ping, /health and /version as MLflow's init() does", async () => {
      for (const p of ["/ping", "/health"]) expect(await call(p)).toEqual({ status: 200, type: "application/json", text: "\n" });
      // No mlflow in the image: /version is the mlflow_version the model was saved with.
      expect(await call("/version")).toEqual({ status: 200, type: "application/json", text: "2.19.0" });
      expect(await call("/nope")).toEqual({ status: 404, type: "application/json", text: '{"detail": "Not Found"}' });
      expect(await call("/invocations")).toEqual({ status: 405, type: "application/json", text: '{"detail": "Method Not Allowed"}' });
    });

    it("scores every input format MLflow accepts, with {predictions} as predictions_to_json writes them", async () => {
      const expected = JSON.stringify({ predictions: trained.expected.predictions }).replace(/,/g, ", ").replace(/:/g, ": ");
      const ok = { status: 200, type: "application/json", text: expected };
      const records = ROWS.map((r) => Object.fromEntries(COLUMNS.map((c, i) => [c, r[i]])));
      expect(await postJson({ dataframe_split: { columns: COLUMNS, data: ROWS } })).toEqual(ok);
      expect(await postJson({ dataframe_split: { index: [7, 8, 9], columns: COLUMNS, data: ROWS } })).toEqual(ok);
      expect(await postJson({ dataframe_records: records })).toEqual(ok);
      expect(await postJson({ instances: ROWS })).toEqual(ok);
      expect(await postJson({ inputs: ROWS })).toEqual(ok);
      // params go to predict(); other keys beside one format are ignored (_split_data_and_params).
      expect(await postJson({ dataframe_split: { columns: COLUMNS, data: ROWS }, params: { k: 1 }, other: true })).toEqual(ok);
      expect(await post(JSON.stringify({ inputs: ROWS }), "application/json; charset=UTF-8")).toEqual(ok);
      const csv = `${COLUMNS.join(",")}\n${ROWS.map((r) => r.join(",")).join("\n")}\n`;
      expect(await post(csv, "text/csv")).toEqual(ok);
      expect(await post(csv, "text/csv; charset=utf-8")).toEqual(ok);
    });

    it("refuses other content types, charsets and parameters with 415 and MLflow's plain sentences (invocations)", async () => {
      const plain = (text: string) => ({ status: 415, type: "text/plain; charset=utf-8", text });
      expect(await post("{}", "application/json; charset=latin-1")).toEqual(plain("The scoring server only supports UTF-8"));
      expect(await post("{}", "application/json; format=pandas-split")).toEqual(
        plain(`Unrecognized content type parameters: format. ${SCORING_PROTOCOL_CHANGE_INFO}`),
      );
      expect(await post("a", "text/plain")).toEqual(
        plain("This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'."),
      );
      // No Content-Type at all: MLflow fails with a 500 (None.split); here the same 415 naming None.
      expect(await post(new Blob(["{}"]))).toEqual(
        plain("This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'None'."),
      );
    });

    it("answers a body that is not one input format as MLflow does (_decode_json_input, infer_and_parse_data)", async () => {
      const both = await errorOf(postJson({ dataframe_split: { data: ROWS }, instances: ROWS }));
      expect({ ...both, message: normaliseSet(both.message) }).toEqual({
        status: 400,
        error_code: "BAD_REQUEST",
        message: `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: ['dataframe_split', 'instances']. ${SCORING_PROTOCOL_CHANGE_INFO}`,
      });
      const none = await errorOf(postJson({ data: ROWS }));
      expect(normaliseSet(none.message)).toBe(
        `${REQUIRED_INPUT_FORMAT}. Received dictionary with input fields: []. ${SCORING_PROTOCOL_CHANGE_INFO}`,
      );
      const list = await errorOf(postJson([1, 2]));
      expect({ ...list, message: normaliseSet(list.message) }).toEqual({
        status: 400,
        error_code: "BAD_REQUEST",
        message: `Invalid input. ${REQUIRED_INPUT_FORMAT}. Received a list.`,
      });
      const scalar = await errorOf(postJson(5));
      expect(normaliseSet(scalar.message)).toBe(`Invalid input. ${REQUIRED_INPUT_FORMAT}. Received unexpected input type '<class 'int'>.`);
      expect(await errorOf(post("{bad", "application/json"))).toEqual({
        status: 400,
        error_code: "BAD_REQUEST",
        message:
          "Invalid input. Ensure that input is a valid JSON formatted string. Error: 'JSONDecodeError('Expecting property name enclosed in double quotes: line 1 column 2 (char 1)')'\nInput: \nb'{bad'\n",
      });
    });

    it("answers malformed dataframes and tensors with MLflow's messages (dataframe_from_parsed_json, parse_tf_serving_input)", async () => {
      const invalid = (message: string) => ({ status: 400, error_code: "BAD_REQUEST", message: `Invalid input. ${message}` });
      expect(await errorOf(postJson({ dataframe_records: { a: 1 } }))).toEqual(
        invalid("Dataframe records format must be a list of records. Got dictionary."),
      );
      expect(await errorOf(postJson({ dataframe_records: 3 }))).toEqual(
        invalid("Dataframe records format must be a list of records. Got type <class 'int'>."),
      );
      expect(await errorOf(postJson({ dataframe_split: [1] }))).toEqual(invalid("Dataframe split format must be a dictionary. Got list."));
      expect(await errorOf(postJson({ dataframe_split: { columns: ["a"] } }))).toEqual(
        invalid("Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {'columns'}.'"),
      );
      const shape = await errorOf(postJson({ dataframe_split: { columns: ["a", "b"], data: [[1]] } }));
      expect(shape.message).toMatch(
        /^Invalid input\. Provided dataframe_split field is not a valid dataframe representation in 'split' format\. Error: '.+'$/s,
      );
      const ragged = await errorOf(postJson({ instances: [[1, 2], [3]] }));
      expect(ragged).toMatchObject({ status: 400, error_code: "BAD_REQUEST" });
      expect(ragged.message).toMatch(/^Invalid input\. setting an array element with a sequence\./);
      expect(await errorOf(postJson({ instances: { a: [1, 2], b: [1] } }))).toEqual(
        invalid("The length of values for each input/column name are not the same"),
      );
    });

    it("answers a model that cannot score the input, and CSV pandas cannot read, as MLflow does, with the stack trace", async () => {
      for (const body of [{ dataframe_split: { columns: ["a", "b"], data: [[1, 2]] } }, { inputs: { a: [1] } }, { input: ROWS }]) {
        const r = await errorOf(postJson(body));
        expect({ status: r.status, error_code: r.error_code, message: r.message }).toEqual({
          status: 400,
          error_code: "BAD_REQUEST",
          message: UNEXPECTED_ERROR,
        });
        expect(r.stack_trace).toMatch(/^Traceback \(most recent call last\):/);
      }
      const csv = await errorOf(post("", "text/csv"));
      expect(csv).toMatchObject({
        status: 400,
        error_code: "BAD_REQUEST",
        message:
          "Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas DataFrame produced using the `pandas.DataFrame.to_csv()` method. Error: 'No columns to parse from file'",
      });
      expect(csv.stack_trace).toContain("EmptyDataError");
    });

    it("refuses a body past ATRIUM_SCORING_MAX_BODY_MIB with 413 and a sentence, and keeps serving", async () => {
      const big = JSON.stringify({ inputs: Array.from({ length: 120_000 }, () => ROWS[0]) });
      expect(big.length).toBeGreaterThan(1024 * 1024);
      expect(await errorOf(post(big, "application/json"))).toEqual({
        status: 413,
        error_code: "BAD_REQUEST",
        message:
          "The request body is larger than this endpoint's limit of 1 MiB (ATRIUM_SCORING_MAX_BODY_MIB); send fewer rows per request.",
      });
      expect((await postJson({ inputs: ROWS })).status).toBe(200);
    });

    it("exits with one line a model that fails to load, and a bundle the token may not fetch", async () => {
      const gateway = await bridgeGateway();
      const run = (name: string, url: string, token: string) =>
        runToEnd(
          {
            name: `atrium-test-serving-${name}-${tag}`,
            image: SEEDED_IMAGE,
            cmd: servingCommand(),
            env: servingEnv({ bundleUrl: url, bundleToken: token, bundleMaxBytes: 1024 * 1024 }),
          },
          180_000,
        );
      const [broken, refused, evil] = await Promise.all([
        run("broken", `http://${gateway}:${BUNDLE_PORT}/broken`, TOKEN),
        run("refused", `http://${gateway}:${BUNDLE_PORT}/model`, "another-token"),
        run("evil", `http://${gateway}:${BUNDLE_PORT}/evil`, TOKEN),
      ]);
      const lines = (s: string) => s.split("\n").filter((l) => l.startsWith("[atrium]"));
      expect(broken.exitCode).toBe(1);
      expect(lines(broken.stderr)).toEqual([
        "[atrium] model failed to load: the model file model.pkl cannot be opened: No such file or directory",
      ]);
      expect(refused.exitCode).toBe(1);
      expect(lines(refused.stderr)).toEqual([
        '[atrium] model failed to load: the portal refused the model bundle (401 Unauthorized): {"error":"unauthorized","message":"This token may not fetch this bundle."}',
      ]);
      expect(evil.exitCode).toBe(1);
      expect(lines(evil.stderr)).toEqual([
        "[atrium] model failed to load: the model bundle holds an entry that is not a plain file or folder inside it: '../escape.txt'",
      ]);
    }, 240_000);

    it("answers hostile bodies with a 4xx and keeps serving: deep JSON, bytes that are not UTF-8, chunked bodies past the cap", async () => {
      const deep = await errorOf(post("[".repeat(100_000), "application/json"));
      expect(deep).toMatchObject({ status: 400, error_code: "BAD_REQUEST" });
      expect(deep.message).toMatch(/^Invalid input\. Ensure that input is a valid JSON formatted string\. Error: 'RecursionError\(/);
      // Only the start of a large body is echoed back (MLflow echoes all of it).
      expect(deep.message.endsWith(`\nInput: \nb'${"[".repeat(64 * 1024)}'... (100000 bytes)\n`)).toBe(true);
      const latin = await errorOf(post(new Blob([new Uint8Array([0x7b, 0xff, 0x7d])], { type: "application/json" })));
      expect(latin).toMatchObject({ status: 400, error_code: "BAD_REQUEST" });
      expect(latin.message).toMatch(/^Invalid input\. Ensure that input is a valid JSON formatted string\. Error: 'UnicodeDecodeError\(/);
      const chunked = (parts: string[]) =>
        call("/invocations", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: Readable.toWeb(Readable.from(parts.map((p) => Buffer.from(p)))) as ReadableStream,
          duplex: "half",
        } as RequestInit);
      expect(await chunked(['{"inputs": ', JSON.stringify(ROWS), "}"])).toMatchObject({ status: 200 });
      const big = await chunked(Array.from({ length: 20 }, () => " ".repeat(100_000)));
      expect(big.status).toBe(413);
      expect((await postJson({ inputs: ROWS })).status).toBe(200);
    });

    it("serves the same bundle from a one-replica swarm service with the same command and environment", async () => {
      const notSwarm = await swarmReadiness(SEEDED_IMAGE);
      if (notSwarm && !CI) return;
      if (notSwarm) throw new Error(`cannot run in CI: ${notSwarm}`);
      const name = `atrium-test-serving-swarm-${tag}`;
      const gateway = await bridgeGateway();
      const service = await startService({
        name,
        image: SEEDED_IMAGE,
        cmd: servingCommand(),
        env: servingEnv({ bundleUrl: `http://${gateway}:${BUNDLE_PORT}/swarm`, bundleToken: TOKEN, bundleMaxBytes: 64 * 1024 * 1024 }),
      });
      try {
        const url = await scoringServerOf(await taskContainer(name, 180_000));
        const res = await fetch(`${url}/invocations`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ dataframe_split: { columns: COLUMNS, data: ROWS } }),
        });
        expect(await res.json()).toEqual({ predictions: trained.expected.predictions });
        expect(bundleRequests.filter((r) => r.path === "/swarm")).toEqual([{ path: "/swarm", auth: `Bearer ${TOKEN}` }]);
      } finally {
        await service.remove().catch(() => undefined);
      }
    }, 300_000);
  },
);

/** The scoring server's base URL in `container`, once it answers /ping 200 (bounded; its logs when it does not). */
async function scoringServerOf(container: Dockerode.Container): Promise<string> {
  const url = `http://${await addressOf(container)}:${SCORING_PORT}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ok = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return url;
    const state = await container.inspect();
    if (!state.State.Running || Date.now() > deadline)
      throw new Error(`the scoring server did not answer /ping: ${JSON.stringify(await logsOf(container))}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
