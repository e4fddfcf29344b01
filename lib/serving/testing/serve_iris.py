# Test-only (lib/serving/testing/scoring.ts): trains a scikit-learn model on iris inside the real environment
# image, writes it as an MLflow model directory (the sklearn flavour, as mlflow.sklearn.save_model lays it out),
# and replaces itself with Atrium's scoring server on it (lib/serving/runtime/scoring_server.py, port $PORT).
import os
import pickle
import sys
import tempfile

import pandas as pd
import yaml
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]

iris = load_iris()
model = LogisticRegression(max_iter=500).fit(pd.DataFrame(iris.data, columns=COLUMNS), iris.target)
d = tempfile.mkdtemp()
with open(os.path.join(d, "model.pkl"), "wb") as f:
    pickle.dump(model, f)
mlmodel = {
    "artifact_path": "model",
    "flavors": {
        "python_function": {"loader_module": "mlflow.sklearn", "model_path": "model.pkl", "predict_fn": "predict"},
        "sklearn": {"code": None, "pickled_model": "model.pkl", "serialization_format": "pickle", "sklearn_version": "1.4.2"},
    },
    "mlflow_version": "2.19.0",
}
with open(os.path.join(d, "MLmodel"), "w") as f:
    yaml.safe_dump(mlmodel, f, default_flow_style=False)
os.execv(sys.executable, [sys.executable, "/src/runtime/scoring_server.py", d])
