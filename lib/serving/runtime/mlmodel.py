"""Reads an MLflow model directory and loads its model for scoring (docs/serving.md, "How a model loads").

Standard library only at import time: the environment image decides what else there is. The order:
mlflow.pyfunc.load_model when mlflow is importable (MLflow's own loader, schema enforcement included);
otherwise the `sklearn` flavour (pickle, or cloudpickle when importable); otherwise a `python_function`
flavour whose `loader_module` is importable. Every refusal is a ModelLoadError with one sentence.
"""

import importlib
import inspect
import json
import os
import pickle
import re
import sys

MLMODEL_FILE_NAME = "MLmodel"


class ModelLoadError(Exception):
    """Why the model cannot be served, in one sentence the portal shows as the endpoint's failure reason."""


# --- MLmodel (YAML) -----------------------------------------------------------------------------------
#
# MLflow writes MLmodel with yaml.safe_dump(default_flow_style=False) (mlflow/models/model.py, Model.save).
# PyYAML is used when the image has it; otherwise this reader takes the subset safe_dump writes for such
# a file: block mappings and (indentless) block sequences, plain and quoted scalars folded over several
# lines, `{}`/`[]`, and YAML 1.1's null/bool/int/float. Anything else stays a string: the loader only
# needs `flavors` and `signature.params`, which are plain.


def read_mlmodel(model_dir):
    path = os.path.join(model_dir, MLMODEL_FILE_NAME)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read(4 * 1024 * 1024)
    except FileNotFoundError:
        raise ModelLoadError(f"there is no {MLMODEL_FILE_NAME} file in the model directory, so it is not an MLflow model")
    except (OSError, UnicodeDecodeError) as e:
        raise ModelLoadError(f"the {MLMODEL_FILE_NAME} file cannot be read: {e}")
    try:
        import yaml  # noqa: PLC0415 - optional

        parsed = yaml.safe_load(text)
    except ImportError:
        try:
            parsed = parse_simple_yaml(text)
        except ValueError as e:
            raise ModelLoadError(f"the {MLMODEL_FILE_NAME} file is not YAML this server can read without PyYAML: {e}")
    except Exception as e:  # yaml.YAMLError and its kin
        raise ModelLoadError(f"the {MLMODEL_FILE_NAME} file is not valid YAML: {one_line(str(e))}")
    if not isinstance(parsed, dict):
        raise ModelLoadError(f"the {MLMODEL_FILE_NAME} file is not a YAML mapping")
    return parsed


_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_FLOAT = re.compile(r"^[-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?$")
_BOOL = {"true": True, "false": False, "yes": True, "no": False, "on": True, "off": False}


def _scalar(raw):
    if raw.startswith("'"):
        if not raw.endswith("'") or len(raw) < 2:
            raise ValueError(f"unterminated quoted string {raw[:40]!r}")
        return raw[1:-1].replace("''", "'")
    if raw.startswith('"'):
        if not raw.endswith('"') or len(raw) < 2:
            raise ValueError(f"unterminated quoted string {raw[:40]!r}")
        # YAML's double-quoted escapes are JSON's for everything safe_dump writes.
        return json.loads(raw)
    if raw in ("", "~", "null", "Null", "NULL"):
        return None
    if raw == "{}":
        return {}
    if raw == "[]":
        return []
    if raw.lower() in _BOOL:
        return _BOOL[raw.lower()]
    if _INT.match(raw):
        return int(raw.replace("_", ""))
    if raw != "." and _FLOAT.match(raw):
        return float(raw.replace("_", ""))
    if raw.lower() in (".inf", "+.inf"):
        return float("inf")
    if raw.lower() == "-.inf":
        return float("-inf")
    if raw.lower() == ".nan":
        return float("nan")
    return raw


def _fold(first, continuation):
    """Joins a scalar written over several lines as YAML folds it: a line break is a space, an empty line a newline."""
    out = first
    pending_newlines = 0
    for line in continuation:
        if line == "":
            pending_newlines += 1
            continue
        out += ("\n" * pending_newlines) if pending_newlines else " "
        pending_newlines = 0
        out += line
    return out


def _split_key(text):
    """`key: value` or `key:` -> (key, rest); None when the line is not a mapping entry."""
    if text.startswith(("'", '"')):
        quote = text[0]
        i = 1
        while i < len(text):
            if text[i] == quote:
                if quote == "'" and text[i + 1 : i + 2] == "'":
                    i += 2
                    continue
                if quote == '"' and text[i - 1] == "\\":
                    i += 1
                    continue
                break
            i += 1
        key_raw, after = text[: i + 1], text[i + 1 :]
        if after == ":" or after.startswith(": "):
            return _scalar(key_raw), after[1:].strip()
        return None
    m = re.match(r"^([^#'\"\[\]{}][^:]*?):(?: (.*))?$", text)
    if not m:
        return None
    return m.group(1), (m.group(2) or "").strip()


def parse_simple_yaml(text):
    lines = []
    for raw in text.splitlines():
        if raw.lstrip().startswith("#") or raw.strip() in ("---", "..."):
            continue
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise ValueError("tabs in indentation")
        stripped = raw.rstrip()
        lines.append((len(stripped) - len(stripped.lstrip(" ")), stripped.lstrip(" ")))
    pos = [0]

    def skip_blank():
        while pos[0] < len(lines) and lines[pos[0]][1] == "":
            pos[0] += 1

    def continuation(indent):
        """Lines more indented than `indent` that continue a scalar (empty lines kept for folding)."""
        out = []
        while pos[0] < len(lines):
            ind, t = lines[pos[0]]
            if t != "" and ind <= indent:
                break
            out.append(t)
            pos[0] += 1
        while out and out[-1] == "":
            out.pop()
        return out

    def value_after(rest, indent):
        if rest == "":
            skip_blank()
            if pos[0] < len(lines):
                ind, t = lines[pos[0]]
                if ind > indent or (ind == indent and (t == "-" or t.startswith("- "))):
                    return block(ind)
            return None
        if rest[0] in "|>":
            raise ValueError("block scalars are not supported")
        return _scalar(_fold(rest, continuation(indent)))

    def block(indent):
        skip_blank()
        ind, t = lines[pos[0]]
        if t == "-" or t.startswith("- "):
            return sequence(ind)
        return mapping(ind)

    def mapping(indent, first=None):
        out = {}
        while True:
            if first is not None:
                t, first = first, None
            else:
                skip_blank()
                if pos[0] >= len(lines):
                    break
                ind, t = lines[pos[0]]
                if ind < indent or (ind == indent and (t == "-" or t.startswith("- "))):
                    break
                if ind > indent:
                    raise ValueError(f"unexpected indentation at {t[:40]!r}")
                pos[0] += 1
            kv = _split_key(t)
            if kv is None:
                raise ValueError(f"expected 'key: value' at {t[:40]!r}")
            key, rest = kv
            out[key] = value_after(rest, indent)
        return out

    def sequence(indent):
        out = []
        while True:
            skip_blank()
            if pos[0] >= len(lines):
                break
            ind, t = lines[pos[0]]
            if ind != indent or not (t == "-" or t.startswith("- ")):
                break
            pos[0] += 1
            rest = t[1:].strip()
            if rest == "-" or rest.startswith("- "):
                # A compact nested sequence, `- - 1`: its first item is on this line.
                lines[pos[0] - 1] = (indent + 2, rest)
                pos[0] -= 1
                out.append(sequence(indent + 2))
            elif rest and _split_key(rest) is not None:
                out.append(mapping(indent + 2, first=rest))
            else:
                out.append(value_after(rest, indent))
        return out

    skip_blank()
    if pos[0] >= len(lines):
        return None
    result = block(lines[pos[0]][0])
    skip_blank()
    if pos[0] < len(lines):
        raise ValueError(f"unexpected line {lines[pos[0]][1][:40]!r}")
    return result


# --- loading ------------------------------------------------------------------------------------------


def one_line(text):
    return " ".join(str(text).split())


class SklearnModelWrapper:
    """mlflow.sklearn's _SklearnModelWrapper: predict with an ignored `params`, and the estimator's other predict functions."""

    _SUPPORTED_CUSTOM_PREDICT_FN = ["predict_proba", "predict_log_proba", "predict_joint_log_proba", "score"]

    def __init__(self, sklearn_model):
        self.sklearn_model = sklearn_model
        for name in self._SUPPORTED_CUSTOM_PREDICT_FN:
            fn = getattr(sklearn_model, name, None)
            if fn:
                setattr(self, name, fn)

    def predict(self, data, params=None):
        return self.sklearn_model.predict(data)


class LoadedModel:
    """What the scoring server calls: predict(data, params=None), as mlflow's PyFuncModel offers it."""

    def __init__(self, predict, loaded_through, version, params_names):
        self._predict = predict
        self.loaded_through = loaded_through
        self.version = version
        # Names of the signature's params: the unified LLM input splits a body's keys by them.
        self.params_names = params_names

    def predict(self, data, params=None):
        if "params" in inspect.signature(self._predict).parameters:
            return self._predict(data, params=params)
        return self._predict(data)


def _params_names(mlmodel):
    raw = (mlmodel.get("signature") or {}).get("params") if isinstance(mlmodel.get("signature"), dict) else None
    try:
        return {p["name"] for p in json.loads(raw)} if isinstance(raw, str) else set()
    except (ValueError, TypeError, KeyError):
        return set()


def _unpickle(path, serialization_format):
    try:
        f = open(path, "rb")
    except OSError as e:
        raise ModelLoadError(f"the model file {os.path.basename(path)} cannot be opened: {e.strerror}")
    with f:
        if serialization_format == "cloudpickle":
            try:
                import cloudpickle  # noqa: PLC0415 - optional

                return cloudpickle.load(f)
            except ImportError:
                pass  # cloudpickle writes standard pickle; only functions pickled by value need the module
        elif serialization_format != "pickle":
            raise ModelLoadError(f"the sklearn flavour's serialization_format {serialization_format!r} is neither pickle nor cloudpickle")
        try:
            return pickle.load(f)
        except ModuleNotFoundError as e:
            hint = " (the model was saved with cloudpickle; install cloudpickle in the image)" if e.name == "cloudpickle" else ""
            raise ModelLoadError(f"unpickling {os.path.basename(path)} needs the module {e.name!r}, which the image does not have{hint}")
        except Exception as e:
            raise ModelLoadError(f"{os.path.basename(path)} cannot be unpickled: {type(e).__name__}: {one_line(e)}")


def _load_sklearn(model_dir, sklearn_conf, pyfunc_conf):
    name = sklearn_conf.get("pickled_model") or (pyfunc_conf or {}).get("model_path")
    if not isinstance(name, str):
        raise ModelLoadError("the sklearn flavour names no pickled_model")
    fmt = sklearn_conf.get("serialization_format", "pickle")
    return SklearnModelWrapper(_unpickle(os.path.join(model_dir, name), fmt))


def _load_with_loader_module(model_dir, conf):
    loader = conf.get("loader_module")
    if not isinstance(loader, str):
        raise ModelLoadError("the python_function flavour names no loader_module")
    try:
        module = importlib.import_module(loader)
    except ImportError as e:
        raise ModelLoadError(f"the python_function flavour's loader_module {loader!r} cannot be imported in this image: {one_line(e)}")
    if not hasattr(module, "_load_pyfunc"):
        raise ModelLoadError(f"the loader_module {loader!r} has no _load_pyfunc function")
    data_path = os.path.join(model_dir, conf["data"]) if conf.get("data") else model_dir
    return module._load_pyfunc(data_path)


def _mlflow_version():
    try:
        import mlflow  # noqa: PLC0415 - optional

        return getattr(mlflow, "__version__", None), mlflow
    except ImportError:
        return None, None


def load_model(model_dir):
    """The model in `model_dir` as a LoadedModel, or ModelLoadError saying why not."""
    mlmodel = read_mlmodel(model_dir)
    params_names = _params_names(mlmodel)
    version, mlflow = _mlflow_version()
    if mlflow is not None:
        import mlflow.pyfunc  # noqa: PLC0415

        try:
            model = mlflow.pyfunc.load_model(model_dir)
        except Exception as e:
            raise ModelLoadError(f"mlflow.pyfunc.load_model failed: {type(e).__name__}: {one_line(e)}")
        meta = getattr(model, "metadata", None)
        if meta is not None and hasattr(meta, "get_params_schema") and meta.get_params_schema() is not None:
            params_names = {p.name for p in meta.get_params_schema().params}
        return LoadedModel(model.predict, f"mlflow.pyfunc {version}", version, params_names)

    flavors = mlmodel.get("flavors")
    if not isinstance(flavors, dict) or not flavors:
        raise ModelLoadError(f"the {MLMODEL_FILE_NAME} file lists no flavors")
    pyfunc_conf = flavors.get("python_function") if isinstance(flavors.get("python_function"), dict) else None
    code = (pyfunc_conf or {}).get("code")
    if isinstance(code, str):
        sys.path.insert(0, os.path.join(model_dir, code))
    predict_fn = (pyfunc_conf or {}).get("predict_fn") or "predict"
    recorded = mlmodel.get("mlflow_version")

    if isinstance(flavors.get("sklearn"), dict):
        impl, through = _load_sklearn(model_dir, flavors["sklearn"], pyfunc_conf), "the sklearn flavour"
    elif pyfunc_conf is not None:
        impl, through = _load_with_loader_module(model_dir, pyfunc_conf), f"python_function ({pyfunc_conf.get('loader_module')})"
    else:
        names = ", ".join(sorted(str(k) for k in flavors))
        raise ModelLoadError(
            f"the model has no flavour this image can load without mlflow (it has: {names}); "
            "use an image with mlflow installed, or save the model with the sklearn or python_function flavour"
        )
    predict = getattr(impl, predict_fn, None)
    if not callable(predict):
        raise ModelLoadError(f"the loaded model has no {predict_fn}() (the python_function flavour's predict_fn)")
    return LoadedModel(predict, through, str(recorded) if recorded is not None else None, params_names)
