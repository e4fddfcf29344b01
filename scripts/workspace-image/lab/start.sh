#!/bin/bash
# Atrium workspace entrypoint (JupyterLab 4). The portal sets JUPYTER_BASE_URL (e.g. /user/alice/default/),
# JUPYTER_TOKEN and ATRIUM_PUBLIC_URL. The token is not put on the command line (it would show in
# `ps` on the host): jupyter_server reads JUPYTER_TOKEN from the environment itself and generates a
# random token when it is unset, so a missing token never means "no auth".
# The rest of the server's settings are in /etc/jupyter/jupyter_server_config.py.
set -euo pipefail

# pip installs go to the user site (PIP_USER=1). Python puts that folder on sys.path only when it
# exists when the interpreter starts, so make it now: then a kernel started before the first
# `pip install` still imports what it installs.
mkdir -p "$(python3 -c 'import site; print(site.getusersitepackages())')"

# "Back to Atrium" in JupyterLab's menus: the portal's address is only known when the container
# starts, so these settings defaults are written per start (jupyterlab_server reads
# <config path>/labconfig/default_setting_overrides.json).
if [ -n "${ATRIUM_PUBLIC_URL:-}" ]; then
  conf=$(mktemp -d /tmp/atrium-jupyter-config.XXXXXX)
  mkdir -p "$conf/labconfig"
  python3 /usr/local/lib/atrium/lab_overrides.py "$ATRIUM_PUBLIC_URL" >"$conf/labconfig/default_setting_overrides.json"
  export JUPYTER_CONFIG_PATH="$conf${JUPYTER_CONFIG_PATH:+:$JUPYTER_CONFIG_PATH}"
fi

exec jupyter-lab "--ServerApp.base_url=${JUPYTER_BASE_URL:-/}" "$@"
