#!/bin/bash
# Atrium workspace entrypoint (Notebook 6). The portal sets JUPYTER_BASE_URL (e.g. /user/alice/default/)
# and JUPYTER_TOKEN. The token is not put on the command line (it would show in `ps` on the
# host): notebook 6 reads JUPYTER_TOKEN from the environment itself, and generates a random
# token when it is unset, so a missing token never means "no auth".
# allow_origin='*': the portal reverse-proxies, so Origin/Host differ from the notebook's own;
# without it, WebSocket (kernel channel) connections are refused with 403.
exec jupyter notebook --ip=0.0.0.0 --port=8888 --no-browser \
  "--NotebookApp.base_url=${JUPYTER_BASE_URL:-/}" \
  "--NotebookApp.allow_origin=*" \
  --NotebookApp.disable_check_xsrf=False \
  "$@"
