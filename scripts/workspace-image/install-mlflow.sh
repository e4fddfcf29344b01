#!/bin/sh
# install-mlflow.sh INDEX_URL: installs mlflow-skinny (MLflow's tracking and tracing client, without the
# server) system-wide from the company's index, as root inside an image's root (build.sh runs it in the
# chroot). Debian packages no mlflow, so without an index the image has none and notebooks log with the
# standard-library snippet the Experiments page shows (README, "Environments").
# Prints the installed version as its last line.
set -eu
index=${1:-}
if [ -z "$index" ]; then
  echo "install-mlflow.sh: no index given: set PYPI_INDEX_URL to the company's PyPI proxy to put mlflow-skinny in the image" >&2
  exit 2
fi
# PIP_USER (set in the image for workspaces) would send a root install to /root/.local.
PIP_USER=0 python3 -m pip install --no-cache-dir --disable-pip-version-check --break-system-packages \
  --root-user-action=ignore --index-url "$index" mlflow-skinny >&2
python3 -c "import importlib.metadata as m; print(m.version('mlflow-skinny'))"
