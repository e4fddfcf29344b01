#!/usr/bin/env bash
# The README's first command (npm run up): install, build and start the portal on its embedded defaults
# (PGlite, the development sign-in, the local Docker engine). When the workspace images are missing it
# builds them first; that needs root (debootstrap, chroot), so it asks sudo unless it runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! docker image inspect atrium-jupyterlab:1 atrium-workspace:1 >/dev/null 2>&1; then
  echo "==> building the workspace images (once, 10-20 min on 2 cores)"
  if [ "$(id -u)" = 0 ]; then
    npm run image:workspace
  else
    sudo bash scripts/ensure-docker.sh
    sudo bash scripts/workspace-image/build.sh
  fi
fi

echo "==> installing the packages (npm ci)"
npm ci
# npm ci removes node_modules/@atrium/core, the server the build generates: so always build after it.
echo "==> building the server and the pages"
npm run build
exec npm start
