# Test-only (lib/serving/serving.test.ts, and with --train-only lib/serving/reconcile.test.ts): runs in the real environment image with lib/serving mounted at
# /src. Trains a scikit-learn model, writes it as an MLflow model directory (MLmodel as MLflow writes it,
# yaml.safe_dump), runs the Python-level checks of the scoring server's parts, and prints one JSON line:
# {"model": {file: base64}, "expected": {...}, "checks": {name: "ok" | failure}}.
import base64
import contextlib
import io
import json
import os
import pickle
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import yaml
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, "/src/runtime")
import mlmodel  # noqa: E402
import scoring_server  # noqa: E402

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
ROWS = [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3], [7.7, 3.0, 6.1, 2.3]]


def mlmodel_dict(size):
    # The keys and layout mlflow.sklearn.save_model writes (mlflow/models/model.py Model.to_yaml).
    inputs = [{"type": "double", "name": c, "required": True} for c in COLUMNS]
    return {
        "artifact_path": "model",
        "flavors": {
            "python_function": {
                "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
                "loader_module": "mlflow.sklearn",
                "model_path": "model.pkl",
                "predict_fn": "predict",
                "python_version": "3.13.5",
            },
            "sklearn": {"code": None, "pickled_model": "model.pkl", "serialization_format": "cloudpickle", "sklearn_version": "1.4.2"},
        },
        "mlflow_version": "2.19.0",
        "model_size_bytes": size,
        "model_uuid": "0f3c2a6f8b1e4c4f9d1b2a3c4d5e6f70",
        "run_id": "a" * 32,
        "signature": {
            "inputs": json.dumps(inputs),
            "outputs": json.dumps([{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]),
            "params": None,
        },
        "utc_time_created": "2026-12-07 08:00:00.000000",
    }


def train():
    iris = load_iris()
    X = pd.DataFrame(iris.data, columns=COLUMNS)
    model = LogisticRegression(max_iter=500).fit(X, iris.target)
    blob = pickle.dumps(model)
    text = yaml.safe_dump(mlmodel_dict(len(blob)), default_flow_style=False)
    frame = pd.DataFrame(ROWS, columns=COLUMNS)
    return model, {"model.pkl": blob, "MLmodel": text.encode()}, {
        "predictions": model.predict(frame).tolist(),
        "proba": model.predict_proba(frame).tolist(),
    }


checks = {}


def check(name):
    def run(fn):
        try:
            with contextlib.redirect_stderr(io.StringIO()):
                fn()
            checks[name] = "ok"
        except Exception:
            checks[name] = traceback.format_exc(limit=3)
        return fn

    return run


def write_model(files):
    d = tempfile.mkdtemp()
    for name, data in files.items():
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
    return d


def main():
    model, files, expected = train()
    if "--train-only" in sys.argv:
        # The reconciler's tests (lib/serving/reconcile.test.ts) need the model, not the checks.
        print(json.dumps({"model": {k: base64.b64encode(v).decode() for k, v in files.items()}, "expected": expected, "checks": {}}))
        return

    @check("the MLmodel reader without PyYAML reads what yaml.safe_dump writes as yaml.safe_load does")
    def _():
        samples = [
            mlmodel_dict(123),
            {
                "metadata": {"tags": ["a", "b c", "it's"], "rows": [{"k": 1, "v": "x: y"}, {"k": -2.5, "v": None}], "empty": {}, "none": []},
                "flags": {"yes": True, "no": False},
                "long": "word " * 60,
                "quoted": "line1\nline2 'q' \"dq\" #hash",
                "numbers": ["007", "1e5", "1.0", "-3", "0.5"],
                "nested": {"deeper": {"deepest": {"list": [[1, 2], [3]]}}},
            },
        ]
        for sample in samples:
            text = yaml.safe_dump(sample, default_flow_style=False)
            ours = mlmodel.parse_simple_yaml(text)
            assert ours == yaml.safe_load(text), (ours, text)

    @check("the sklearn flavour saved as cloudpickle loads through pickle when cloudpickle is absent")
    def _():
        loaded = mlmodel.load_model(write_model(files))
        assert loaded.loaded_through == "the sklearn flavour", loaded.loaded_through
        assert loaded.version == "2.19.0"
        got = loaded.predict(pd.DataFrame(ROWS, columns=COLUMNS)).tolist()
        assert got == expected["predictions"], got

    @check("predict_fn picks predict_proba, as MLflow's pyfunc_predict_fn")
    def _():
        conf = mlmodel_dict(1)
        conf["flavors"]["python_function"]["predict_fn"] = "predict_proba"
        loaded = mlmodel.load_model(write_model({**files, "MLmodel": yaml.safe_dump(conf)}))
        got = loaded.predict(pd.DataFrame(ROWS, columns=COLUMNS)).tolist()
        assert np.allclose(got, expected["proba"]), got

    def load_error(files_):
        try:
            mlmodel.load_model(write_model(files_))
        except mlmodel.ModelLoadError as e:
            return str(e)
        raise AssertionError("loaded")

    @check("load failures are one sentence each")
    def _():
        assert load_error({"x.txt": "x"}) == "there is no MLmodel file in the model directory, so it is not an MLflow model"
        msg = load_error({"MLmodel": yaml.safe_dump({"flavors": {"tensorflow": {}}})})
        assert msg.startswith("the model has no flavour this image can load without mlflow (it has: tensorflow)"), msg
        msg = load_error({"MLmodel": yaml.safe_dump({"flavors": {"python_function": {"loader_module": "mlflow.pyfunc.model"}}})})
        assert msg.startswith("the python_function flavour's loader_module 'mlflow.pyfunc.model' cannot be imported in this image"), msg
        msg = load_error({"MLmodel": files["MLmodel"], "model.pkl": b"not a pickle"})
        assert msg.startswith("model.pkl cannot be unpickled: UnpicklingError"), msg
        bad = pickle.dumps(model).replace(b"sklearn.linear_model._logistic", b"skleaxx.linear_model._logistic")
        msg = load_error({"MLmodel": files["MLmodel"], "model.pkl": bad})
        assert msg == "unpickling model.pkl needs the module 'skleaxx', which the image does not have", msg

    @check("outputs serialise as MLflow's predictions_to_json: DataFrame and Series as records, numpy scalars as numbers")
    def _():
        class Fixed:
            def __init__(self, out):
                self.out = out

            def predict(self, data):
                return self.out

        def body(out):
            m = mlmodel.LoadedModel(Fixed(out).predict, "test", None, set())
            return scoring_server.invocations(b'{"inputs": [1]}', "application/json", m).body

        assert body(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})) == '{"predictions": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}'
        assert body(pd.Series([1.5, 2.5], name="s")) == '{"predictions": [{"s": 1.5}, {"s": 2.5}]}'
        assert body(np.array([[1, 2]], dtype=np.int64)) == '{"predictions": [[1, 2]]}'
        assert body({"k": np.float32(0.5), "t": pd.Timestamp("2024-01-02")}) == '{"predictions": {"k": 0.5, "t": "2024-01-02T00:00:00"}}'

    @check("a python_function model with an importable loader_module in code/ serves; a slow one answers 504 as MLflow")
    def _():
        loader = "import time\nclass M:\n    def predict(self, data, params=None):\n        time.sleep(float((params or {}).get('sleep', 0)))\n        return [len(data)]\ndef _load_pyfunc(path):\n    return M()\n"
        conf = {"flavors": {"python_function": {"loader_module": "slow_loader", "code": "code"}}, "mlflow_version": "2.9.2"}
        d = write_model({"MLmodel": yaml.safe_dump(conf), "code/slow_loader.py": loader})
        os.environ.update({"PORT": "8091", "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT": "1", "ATRIUM_SCORING_HOST": "127.0.0.1"})
        server = scoring_server.ScoringHTTPServer(scoring_server.Settings(), mlmodel.load_model(d))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:

            def post(body):
                req = urllib.request.Request("http://127.0.0.1:8091/invocations", data=body, headers={"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        return r.status, r.headers["Content-Type"], r.read().decode()
                except urllib.error.HTTPError as e:
                    return e.code, e.headers["Content-Type"], e.read().decode()

            assert post(b'{"inputs": [1, 2, 3]}') == (200, "application/json", '{"predictions": [3]}')
            started = time.monotonic()
            got = post(b'{"inputs": [1], "params": {"sleep": 3}}')
            assert got == (504, "application/json", "Request processing time exceeded limit"), got
            assert time.monotonic() - started < 2.5
            with urllib.request.urlopen("http://127.0.0.1:8091/version", timeout=10) as r:
                assert r.read() == b"2.9.2"
        finally:
            server.shutdown()
            server.server_close()

    @check("past ATRIUM_SCORING_MAX_CONNECTIONS a connection gets 503 with a sentence; the slot frees when one closes")
    def _():
        import socket

        os.environ.update({"PORT": "8092", "ATRIUM_SCORING_MAX_CONNECTIONS": "1", "ATRIUM_SCORING_HOST": "127.0.0.1"})
        server = scoring_server.ScoringHTTPServer(scoring_server.Settings(), mlmodel.load_model(write_model(files)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            held = socket.create_connection(("127.0.0.1", 8092), timeout=10)
            # No wait needed: the listening socket's backlog is accepted in order, so the held connection takes the slot.

            def ping():
                try:
                    with urllib.request.urlopen("http://127.0.0.1:8092/ping", timeout=10) as r:
                        return r.status, r.read().decode()
                except urllib.error.HTTPError as e:
                    return e.code, e.read().decode()

            status, body = ping()
            assert status == 503, (status, body)
            assert json.loads(body) == {
                "error_code": "TEMPORARILY_UNAVAILABLE",
                "message": "This endpoint is serving its limit of 1 connections (ATRIUM_SCORING_MAX_CONNECTIONS); retry shortly.",
            }, body
            held.close()
            deadline = time.monotonic() + 20
            while ping()[0] != 200:
                assert time.monotonic() < deadline, "the slot was not freed"
                time.sleep(0.1)
        finally:
            server.shutdown()
            server.server_close()

    @check("with mlflow importable the model loads through mlflow.pyfunc and its MlflowException keeps its code (a stand-in: the image has no mlflow)")
    def _():
        d = tempfile.mkdtemp()
        os.makedirs(f"{d}/mlflow/pyfunc")
        with open(f"{d}/mlflow/__init__.py", "w") as f:
            f.write(
                "__version__ = '9.9.9'\n"
                "class MlflowException(Exception):\n"
                "    def __init__(self, message, error_code='INTERNAL_ERROR', **kw):\n"
                "        super().__init__(message)\n"
                "        self.message, self.error_code, self.json_kwargs = message, error_code, kw\n"
                "class MlflowInvalidInputException(MlflowException):\n"
                "    pass\n"
            )
        with open(f"{d}/mlflow/pyfunc/__init__.py", "w") as f:
            f.write(
                "from mlflow import MlflowInvalidInputException\n"
                "loaded = []\n"
                "class Model:\n"
                "    metadata = None\n"
                "    def predict(self, data, params=None):\n"
                "        raise MlflowInvalidInputException('Failed to enforce schema', error_code='INVALID_PARAMETER_VALUE')\n"
                "def load_model(uri):\n"
                "    loaded.append(uri)\n"
                "    return Model()\n"
            )
        sys.path.insert(0, d)
        try:
            model_dir = write_model(files)
            loaded = mlmodel.load_model(model_dir)
            assert (loaded.loaded_through, loaded.version) == ("mlflow.pyfunc 9.9.9", "9.9.9"), loaded.loaded_through
            assert sys.modules["mlflow.pyfunc"].loaded == [model_dir]
            try:
                scoring_server.invocations(b'{"inputs": [1]}', "application/json", loaded)
                raise AssertionError("scored")
            except scoring_server.ScoringError as e:
                got = (e.get_http_status_code(), e.error_code, e.message)
                assert got == (400, "INVALID_PARAMETER_VALUE", "Failed to predict data '[1]'. \nError: Failed to enforce schema"), got
        finally:
            sys.path.remove(d)
            for name in [m for m in sys.modules if m == "mlflow" or m.startswith("mlflow.")]:
                del sys.modules[name]

    print(json.dumps({"model": {k: base64.b64encode(v).decode() for k, v in files.items()}, "expected": expected, "checks": checks}))


main()
