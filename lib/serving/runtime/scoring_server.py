"""Atrium's scoring server: MLflow's scoring protocol, standard library + what the environment image has.

Speaks what MLflow's scoring server speaks (mlflow/pyfunc/scoring_server/__init__.py: `invocations`,
`init`), with the same bodies, statuses and messages, so MLflow's and Databricks' clients work unchanged:
POST /invocations (application/json with exactly one of dataframe_split, dataframe_records, instances,
inputs, optional params; or text/csv), GET /ping and /health, GET /version. Where it differs on purpose
(docs/serving.md, "Divergences"): a body cap (413), no 500 for undecodable bytes, a bounded thread pool.

Usage: python3 scoring_server.py <model_dir>. Listens on $PORT (8080). A model that fails to load prints
one line `[atrium] model failed to load: <reason>` on stderr and exits 1.
"""

import base64
import datetime
import inspect
import json
import os
import signal
import socket
import socketserver
import sys
import threading
import traceback
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from copy import deepcopy
from http.server import BaseHTTPRequestHandler, HTTPServer
from io import StringIO

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mlmodel import ModelLoadError, load_model, one_line  # noqa: E402

CONTENT_TYPE_CSV = "text/csv"
CONTENT_TYPE_JSON = "application/json"
CONTENT_TYPES = [CONTENT_TYPE_CSV, CONTENT_TYPE_JSON]

DF_RECORDS = "dataframe_records"
DF_SPLIT = "dataframe_split"
INSTANCES = "instances"
INPUTS = "inputs"
SUPPORTED_FORMATS = {DF_RECORDS, DF_SPLIT, INSTANCES, INPUTS}
SERVING_PARAMS_KEY = "params"
# mlflow/pyfunc/utils/serving_data_parser.py: unwrapped JSON for chat, completions and embeddings.
SUPPORTED_LLM_FORMATS = {"messages", "prompt", "input"}

REQUIRED_INPUT_FORMAT = f"The input must be a JSON dictionary with exactly one of the input fields {SUPPORTED_FORMATS}"
SCORING_PROTOCOL_CHANGE_INFO = (
    "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are"
    " seeing this error, you are likely using an outdated scoring request format. To resolve the"
    " error, either update your request format or adjust your MLflow Model's requirements file to"
    " specify an older version of MLflow (for example, change the 'mlflow' requirement specifier"
    " to 'mlflow==1.30.0'). If you are making a request using the MLflow client"
    " (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in"
    " order to use the new request format. For more information about the updated MLflow"
    " Model scoring protocol in MLflow 2.0, see"
    " https://mlflow.org/docs/latest/models.html#deploy-mlflow-models."
)
TIMEOUT_BODY = "Request processing time exceeded limit"
# The most bytes of an unparseable body echoed back in the error message.
ECHO_MAX = 64 * 1024

# mlflow/protos/databricks_pb2 codes and ERROR_CODE_TO_HTTP_STATUS (mlflow/exceptions.py) for those used here.
HTTP_STATUS = {"BAD_REQUEST": 400, "INVALID_PARAMETER_VALUE": 400, "INTERNAL_ERROR": 500}


class ScoringError(Exception):
    """MlflowException as the scoring server serialises it: {"error_code", "message", **json_kwargs}."""

    def __init__(self, message, error_code="INTERNAL_ERROR", **json_kwargs):
        super().__init__(message)
        self.message = str(message)
        self.error_code = error_code
        self.json_kwargs = json_kwargs

    def serialize_as_json(self):
        return json.dumps({"error_code": self.error_code, "message": self.message, **self.json_kwargs})

    def get_http_status_code(self):
        return HTTP_STATUS.get(self.error_code, 500)


def invalid_input(message):
    """MlflowInvalidInputException (mlflow/utils/proto_json_utils.py)."""
    return ScoringError(f"Invalid input. {message}", "BAD_REQUEST")


class Reply:
    def __init__(self, body, status, mimetype):
        self.body = body
        self.status = status
        self.mimetype = mimetype


# --- input parsing: mlflow/utils/proto_json_utils.py, without a schema unless mlflow loaded the model ---


def _decode_json_input(json_input):
    """scoring_server._decode_json_input; undecodable bytes are a 400 here (MLflow answers 500)."""
    try:
        decoded = json.loads(json_input)
    except (ValueError, RecursionError) as ex:  # JSONDecodeError, UnicodeDecodeError, too deep
        # MLflow echoes the whole body; past ECHO_MAX bytes only its start, so an error stays small.
        echoed = f"{json_input}" if len(json_input) <= ECHO_MAX else f"{json_input[:ECHO_MAX]}... ({len(json_input)} bytes)"
        raise invalid_input(f"Ensure that input is a valid JSON formatted string. Error: '{ex!r}'\nInput: \n{echoed}\n") from ex
    if isinstance(decoded, dict):
        return decoded
    if isinstance(decoded, list):
        raise invalid_input(f"{REQUIRED_INPUT_FORMAT}. Received a list.")
    raise invalid_input(f"{REQUIRED_INPUT_FORMAT}. Received unexpected input type '{type(decoded)}.")


def dataframe_from_parsed_json(decoded_input, pandas_orient):
    import pandas as pd

    if pandas_orient == "records":
        if not isinstance(decoded_input, list):
            typemessage = "dictionary" if isinstance(decoded_input, dict) else f"type {type(decoded_input)}"
            raise invalid_input(f"Dataframe records format must be a list of records. Got {typemessage}.")
        try:
            return pd.DataFrame(data=decoded_input)
        except Exception as ex:
            raise invalid_input(
                f"Provided dataframe_records field is not a valid dataframe representation in 'records' format. Error: '{ex}'"
            )
    if not isinstance(decoded_input, dict):
        typemessage = "list" if isinstance(decoded_input, list) else f"type {type(decoded_input)}"
        raise invalid_input(f"Dataframe split format must be a dictionary. Got {typemessage}.")
    keys = set(decoded_input.keys())
    if "data" not in keys or keys.difference({"columns", "data", "index"}):
        raise invalid_input(f"Dataframe split format must have 'data' field and optionally 'columns' and 'index' fields. Got {keys}.'")
    try:
        return pd.DataFrame(index=decoded_input.get("index"), columns=decoded_input.get("columns"), data=decoded_input["data"])
    except Exception as ex:
        raise invalid_input(f"Provided dataframe_split field is not a valid dataframe representation in 'split' format. Error: '{ex}'")


def _convert_data_type(data):
    import numpy as np

    try:
        return np.array(data)
    except Exception as ex:
        raise invalid_input(f"{ex}")


def _cast_schema_type(input_data):
    input_data = deepcopy(input_data)
    if isinstance(input_data, dict):
        return {col: _convert_data_type(data) for col, data in input_data.items()}
    if isinstance(input_data, list):
        if all(isinstance(x, dict) for x in input_data):
            return [{col: _convert_data_type(v) for col, v in row.items()} for row in input_data]
        return _convert_data_type(input_data)
    return _convert_data_type(input_data)


def _parse_instances_data(data):
    import numpy as np

    data = data[INSTANCES]
    if isinstance(data, list) and len(data) > 0 and isinstance(data[0], dict):
        columns = defaultdict(list)
        for item in data:
            for col, v in item.items():
                columns[col].append(_convert_data_type(v))
        data = {col: np.array(v) for col, v in columns.items()}
    else:
        data = _cast_schema_type(data)
    if isinstance(data, dict):
        check = {k: v for k, v in data.items() if isinstance(v, (list, np.ndarray))}
        cols = list(check.keys())
        if cols:
            expected = len(check[cols[0]])
            if not all(len(check[c]) == expected for c in cols[1:]):
                raise invalid_input("The length of values for each input/column name are not the same")
    return data


def parse_tf_serving_input(inp_dict):
    if "signature_name" in inp_dict:
        raise invalid_input('"signature_name" parameter is currently not supported')
    if not (list(inp_dict.keys()) == [INSTANCES] or list(inp_dict.keys()) == [INPUTS]):
        raise invalid_input(f'One of "instances" and "inputs" must be specified (not both or any other keys).Received: {list(inp_dict.keys())}')
    try:
        if INSTANCES in inp_dict:
            return _parse_instances_data(inp_dict)
        return _cast_schema_type(inp_dict[INPUTS])
    except ScoringError:
        raise
    except Exception as e:
        raise invalid_input(f"Ensure that the input is a valid JSON-formatted string.\nError: {e!r}") from e


def infer_and_parse_data(data):
    format_keys = set(data.keys()).intersection(SUPPORTED_FORMATS)
    if len(format_keys) != 1:
        message = f"Received dictionary with input fields: {list(data.keys())}"
        raise ScoringError(f"{REQUIRED_INPUT_FORMAT}. {message}. {SCORING_PROTOCOL_CHANGE_INFO}", "BAD_REQUEST")
    input_format = format_keys.pop()
    if input_format in (INSTANCES, INPUTS):
        return parse_tf_serving_input(data)
    return dataframe_from_parsed_json(data[input_format], pandas_orient=input_format[10:])


def parse_csv_input(text):
    import pandas as pd

    try:
        return pd.read_csv(StringIO(text))
    except Exception as e:
        raise ScoringError(
            "Failed to parse input as a Pandas DataFrame. Ensure that the input is"
            " a valid CSV-formatted Pandas DataFrame produced using the"
            f" `pandas.DataFrame.to_csv()` method. Error: '{e}'",
            "BAD_REQUEST",
            stack_trace=traceback.format_exc(),
        )


def parse_json_data(body, model):
    """scoring_server._parse_json_data: (data, params, is_unified_llm_input)."""
    json_input = _decode_json_input(body)
    if any(k in json_input for k in SUPPORTED_LLM_FORMATS):
        data = {k: v for k, v in json_input.items() if k not in model.params_names}
        params = {k: v for k, v in json_input.items() if k in model.params_names}
        return data, params, True
    data = {k: v for k, v in json_input.items() if k in SUPPORTED_FORMATS}
    params = json_input.pop(SERVING_PARAMS_KEY, None)
    return infer_and_parse_data(data), params, False


# --- output: NumpyEncoder and _get_jsonable_obj (mlflow/utils/proto_json_utils.py) --------------------


class NumpyEncoder(json.JSONEncoder):
    def try_convert(self, o):
        import numpy as np
        import pandas as pd

        def encode_binary(x):
            return base64.encodebytes(x).decode("ascii")

        if isinstance(o, np.ndarray):
            if o.dtype == object:
                return [self.try_convert(x)[0] for x in o.tolist()], True
            if o.dtype == np.bytes_:
                return np.vectorize(encode_binary)(o), True
            return o.tolist(), True
        if isinstance(o, np.generic):
            return o.item(), True
        if isinstance(o, (bytes, bytearray)):
            return encode_binary(o), True
        if isinstance(o, np.datetime64):
            return np.datetime_as_string(o), True
        if isinstance(o, (pd.Timestamp, datetime.date, datetime.datetime, datetime.time)):
            return o.isoformat(), True
        return o, False

    def default(self, o):
        res, converted = self.try_convert(o)
        if converted:
            return res
        return super().default(o)


def _get_jsonable_obj(data):
    import numpy as np
    import pandas as pd

    if isinstance(data, np.ndarray):
        return data.tolist()
    if isinstance(data, pd.DataFrame):
        return data.to_dict(orient="records")
    if isinstance(data, pd.Series):
        return pd.DataFrame(data).to_dict(orient="records")
    return data


# --- one request -------------------------------------------------------------------------------------


def invocations(body, content_type, model):
    """scoring_server.invocations: the reply to POST /invocations (ScoringError for MLflow's JSON errors)."""
    type_parts = [p.strip() for p in (content_type if content_type is not None else "").split(";")]
    mime_type = type_parts[0]
    parameter_values = {key: value for pair in type_parts[1:] for key, _, value in [pair.partition("=")]}
    if parameter_values.get("charset", "utf-8").lower() != "utf-8":
        return Reply("The scoring server only supports UTF-8", 415, "text/plain")
    unexpected = set(parameter_values.keys()).difference({"charset"})
    if unexpected:
        return Reply(f"Unrecognized content type parameters: {', '.join(unexpected)}. {SCORING_PROTOCOL_CHANGE_INFO}", 415, "text/plain")

    unified = False
    if mime_type == CONTENT_TYPE_CSV:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ScoringError(f"Failed to parse input as a Pandas DataFrame. The body is not UTF-8: {e}", "BAD_REQUEST")
        data, params = parse_csv_input(text), None
    elif mime_type == CONTENT_TYPE_JSON:
        data, params, unified = parse_json_data(body, model)
    else:
        return Reply(
            f"This predictor only supports the following content types: Types: {CONTENT_TYPES}. Got '{content_type}'.",
            415,
            "text/plain",
        )

    try:
        raw = model.predict(data, params=params)
    except Exception as e:
        # An MlflowException (mlflow's PyFuncModel enforcing the signature) keeps its code, as in MLflow.
        if any(c.__name__ == "MlflowException" for c in type(e).__mro__) and hasattr(e, "error_code"):
            e.message = f"Failed to predict data '{data}'. \nError: {e.message}"
            raise ScoringError(e.message, getattr(e, "error_code", "INTERNAL_ERROR"), **getattr(e, "json_kwargs", {}))
        raise ScoringError(
            "Encountered an unexpected error while evaluating the model. Verify"
            " that the serialized input Dataframe is compatible with the model for"
            " inference.",
            "BAD_REQUEST",
            stack_trace=traceback.format_exc(),
        )
    predictions = _get_jsonable_obj(raw)
    try:
        out = json.dumps(predictions if unified else {"predictions": predictions}, cls=NumpyEncoder)
    except (TypeError, ValueError) as e:
        raise ScoringError(f"The model's predictions cannot be written as JSON: {one_line(e)}", "INTERNAL_ERROR")
    return Reply(out, 200, "application/json")


# --- HTTP ------------------------------------------------------------------------------------------


def env_int(name, default, low, high):
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, not {raw!r}")
    return value


class Settings:
    def __init__(self):
        self.port = env_int("PORT", 8080, 1, 65535)
        # MLflow's variable and default (mlflow/environment_variables.py): seconds for one request.
        self.timeout = env_int("MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT", 60, 1, 86400)
        self.max_body = env_int("ATRIUM_SCORING_MAX_BODY_MIB", 64, 1, 4096) * 1024 * 1024
        self.workers = env_int("ATRIUM_SCORING_WORKERS", 4, 1, 256)
        self.max_connections = env_int("ATRIUM_SCORING_MAX_CONNECTIONS", 64, 1, 4096)
        self.host = os.environ.get("ATRIUM_SCORING_HOST", "0.0.0.0")


class BodyTooLarge(Exception):
    pass


class BadBody(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "atrium-scoring"
    sys_version = ""
    # Seconds a connection may stay silent (idle keep-alive, or a stalled body), as uvicorn's keep-alive.
    timeout = 5

    def setup(self):
        super().setup()
        # The headers and the body leave in two writes; with Nagle's algorithm the body then waits for the
        # client's delayed ACK, about 40 ms on every answer of a keep-alive connection (docs/serving.md, "Benchmark").
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def reply(self, status, body, mimetype, extra_headers=()):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        # Starlette adds a charset to text/* media types only, so text/plain carries it and JSON does not.
        self.send_header("Content-Type", f"{mimetype}; charset=utf-8" if mimetype.startswith("text/") else mimetype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra_headers:
            self.send_header(k, v)
        if self.server.draining:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def route(self):
        path = self.path.split("?", 1)[0]
        allowed = {"/ping": ("GET", "HEAD"), "/health": ("GET", "HEAD"), "/version": ("GET", "HEAD"), "/invocations": ("POST",)}
        if path not in allowed:
            self.discard_body()
            return self.reply(404, json.dumps({"detail": "Not Found"}), "application/json")
        if self.command not in allowed[path]:
            self.discard_body()
            return self.reply(405, json.dumps({"detail": "Method Not Allowed"}), "application/json", [("Allow", ", ".join(allowed[path]))])
        if path in ("/ping", "/health"):
            return self.reply(200, "\n", "application/json")
        if path == "/version":
            return self.reply(200, self.server.model.version or "unknown", "application/json")
        return self.invoke()

    def read_body(self):
        limit = self.server.settings.max_body
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise BadBody("a chunk of the request body has no valid size")
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    if total > limit:
                        raise BodyTooLarge()
                    return b"".join(chunks)
                total += size
                if total > limit:
                    # As for a Content-Length past the cap: read on (up to four times the cap) and discard,
                    # so the client sees the 413 rather than a reset connection.
                    self.close_connection = True
                    chunks = []
                    if total > 4 * limit:
                        raise BodyTooLarge()
                    while size > 0:
                        got = self.rfile.read(min(size, 1024 * 1024))
                        if not got:
                            raise BodyTooLarge()
                        size -= len(got)
                else:
                    chunks.append(self.rfile.read(size))
                self.rfile.readline(16)
        raw = self.headers.get("Content-Length")
        try:
            length = int(raw) if raw is not None else 0
        except ValueError:
            raise BadBody("the Content-Length header is not a number")
        if length < 0:
            raise BadBody("the Content-Length header is negative")
        if length > limit:
            self.close_connection = True
            # Read a moderately large body to its end, so the client sees the 413 and not a reset
            # connection; past four times the cap, stop reading at once.
            remaining = length if length <= 4 * limit else 0
            while remaining > 0:
                got = self.rfile.read(min(remaining, 1024 * 1024))
                if not got:
                    break
                remaining -= len(got)
            raise BodyTooLarge()
        body = self.rfile.read(length)
        if len(body) != length:
            self.close_connection = True
            raise BadBody("the request body ended before its Content-Length")
        return body

    def discard_body(self):
        try:
            self.read_body()
        except (BodyTooLarge, BadBody):
            self.close_connection = True

    def invoke(self):
        settings = self.server.settings
        try:
            body = self.read_body()
        except BodyTooLarge:
            mib = settings.max_body // (1024 * 1024)
            msg = f"The request body is larger than this endpoint's limit of {mib} MiB (ATRIUM_SCORING_MAX_BODY_MIB); send fewer rows per request."
            return self.reply(413, json.dumps({"error_code": "BAD_REQUEST", "message": msg}), "application/json")
        except BadBody as e:
            return self.reply(400, json.dumps({"error_code": "BAD_REQUEST", "message": f"Invalid request: {e}."}), "application/json")
        future = self.server.pool.submit(invocations, body, self.headers.get("Content-Type"), self.server.model)
        try:
            result = future.result(timeout=settings.timeout)
        except FutureTimeout:
            # As MLflow's timeout_middleware: 504 with this plain sentence labelled application/json. The
            # prediction cannot be interrupted; a queued one is cancelled, a running one finishes unseen.
            future.cancel()
            return self.reply(504, TIMEOUT_BODY, "application/json")
        except ScoringError as e:
            return self.reply(e.get_http_status_code(), e.serialize_as_json(), "application/json")
        except Exception as e:  # a bug here, never the caller's input
            msg = f"The scoring server failed: {type(e).__name__}: {one_line(e)}"
            return self.reply(500, json.dumps({"error_code": "INTERNAL_ERROR", "message": msg}), "application/json")
        return self.reply(result.status, result.body, result.mimetype)

    def do_GET(self):
        self.route()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_GET


class ScoringHTTPServer(socketserver.ThreadingMixIn, HTTPServer):
    """One thread per connection, at most max_connections at once; past that a 503 and the connection closed."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, settings, model):
        self.settings = settings
        self.model = model
        self.pool = ThreadPoolExecutor(max_workers=settings.workers, thread_name_prefix="predict")
        self.slots = threading.BoundedSemaphore(settings.max_connections)
        self.draining = False
        super().__init__((settings.host, settings.port), Handler)

    def server_bind(self):
        # HTTPServer.server_bind looks up the host's FQDN, which can hang in a container without DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request, client_address):
        if not self.slots.acquire(blocking=False):
            msg = f"This endpoint is serving its limit of {self.settings.max_connections} connections (ATRIUM_SCORING_MAX_CONNECTIONS); retry shortly."
            body = json.dumps({"error_code": "TEMPORARILY_UNAVAILABLE", "message": msg}).encode()
            try:
                request.settimeout(2)
                head = f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                request.sendall(head.encode() + body)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()


def fail(reason):
    print(f"[atrium] model failed to load: {one_line(reason)}", file=sys.stderr, flush=True)
    sys.exit(1)


def main(argv):
    if len(argv) != 2:
        print("usage: scoring_server.py <model_dir>", file=sys.stderr)
        return 2
    try:
        settings = Settings()
    except ValueError as e:
        fail(f"the scoring server is misconfigured: {e}")
    try:
        model = load_model(argv[1])
    except ModelLoadError as e:
        fail(str(e))
    except Exception as e:  # the model's own loader code
        fail(f"{type(e).__name__}: {e}")
    server = ScoringHTTPServer(settings, model)

    def drain(*_):
        # SIGTERM (docker stop, a rollout): stop accepting, finish what is in flight, then exit 0.
        server.draining = True
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, drain)
    signal.signal(signal.SIGINT, drain)
    print(f"[atrium] scoring server on {settings.host}:{settings.port}, model loaded through {model.loaded_through}", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        server.pool.shutdown(wait=False, cancel_futures=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
