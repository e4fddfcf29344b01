#!/usr/bin/env bash
# Build the Atrium workspace image (Jupyter Notebook on Debian) from Debian packages only:
# debootstrap a rootfs, install Jupyter in a chroot, then `docker import` it.
# Usage: build.sh [--force]
set -euo pipefail

VERSION=1
IMAGE=atrium-workspace
SUITE=bookworm
MIRROR=http://deb.debian.org/debian
PACKAGES="jupyter-notebook python3-pip"

FORCE=0
[ "${1:-}" = "--force" ] && FORCE=1

if [ "$FORCE" = 0 ] && docker image inspect "$IMAGE:$VERSION" >/dev/null 2>&1; then
  echo "$IMAGE:$VERSION already exists (use --force to rebuild)"
  exit 0
fi

SECONDS=0
command -v debootstrap >/dev/null 2>&1 || {
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap
}

ROOT=$(mktemp -d /var/tmp/atrium-workspace.XXXXXX)
chmod 755 "$ROOT"  # mktemp's 0700 would lock apt's _apt user out (and become the image's / mode)
cleanup() {
  if mountpoint -q "$ROOT/proc"; then umount "$ROOT/proc" || umount -l "$ROOT/proc" || true; fi
  # Never rm -rf through a still-mounted /proc.
  if mountpoint -q "$ROOT/proc"; then echo "warning: $ROOT/proc still mounted, leaving $ROOT" >&2
  else rm -rf --one-file-system "$ROOT"; fi
}
trap cleanup EXIT

debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR"

cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR}-security $SUITE-security main
EOF
# Like debian:*-slim: don't install docs/man pages/translations (keep license files).
cat >"$ROOT/etc/dpkg/dpkg.cfg.d/atrium-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
EOF
# No daemons may start inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"

cat >"$ROOT/usr/local/bin/atrium-start-notebook" <<'EOF'
#!/bin/bash
# Atrium workspace entrypoint. The portal sets JUPYTER_BASE_URL (e.g. /user/alice/default/)
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
EOF
chmod 755 "$ROOT/usr/local/bin/atrium-start-notebook"

mount -t proc proc "$ROOT/proc"
chroot "$ROOT" /bin/bash -euo pipefail -c "
  export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
  echo 'Dpkg::Use-Pty \"0\";' >/etc/apt/apt.conf.d/90atrium-nopty  # no /dev/pts in the chroot
  apt-get update
  apt-get -y upgrade
  apt-get install -y --no-install-recommends $PACKAGES
  useradd --create-home --home-dir /home/jovyan --shell /bin/bash --uid 1000 --gid 100 jovyan
  apt-get clean
  find /var/log -type f -delete
  find /usr/share/doc -type f ! -name copyright -delete  # already installed by debootstrap
  rm -rf /usr/share/man/* /usr/share/info/* /usr/share/locale/*
  rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /root/.cache /tmp/* /usr/sbin/policy-rc.d /etc/resolv.conf
"
umount "$ROOT/proc"

tar -C "$ROOT" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
  docker import \
    --change 'USER jovyan' \
    --change 'WORKDIR /home/jovyan' \
    --change 'ENV HOME=/home/jovyan' \
    --change 'ENV PATH=/home/jovyan/.local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV SHELL=/bin/bash' \
    --change 'ENV PIP_USER=1' \
    --change 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' \
    --change 'EXPOSE 8888' \
    --change "LABEL org.atrium.workspace=$VERSION" \
    --change 'CMD ["/usr/local/bin/atrium-start-notebook"]' \
    - "$IMAGE:$VERSION"
docker tag "$IMAGE:$VERSION" "$IMAGE:latest"

echo "built $IMAGE:$VERSION in ${SECONDS}s ($(docker image inspect -f '{{.Size}}' "$IMAGE:$VERSION" | awk '{printf "%.0f MB", $1/1e6}'))"
