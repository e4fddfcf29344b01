#!/usr/bin/env bash
# Build Atrium's workspace images from Debian packages only: debootstrap a rootfs, install Jupyter in
# a chroot, then `docker import` it. No registry, no npm; PyPI only for mlflow-skinny when PYPI_INDEX_URL is set.
#
#   build.sh [--force] [lab|classic]
#
#   lab      atrium-jupyterlab:1  JupyterLab 4 on Debian trixie (Python 3.13) with numpy, pandas,
#            scipy, scikit-learn and matplotlib. The seeded default environment. With PYPI_INDEX_URL
#            set, also mlflow-skinny from that index (install-mlflow.sh); without, no mlflow.
#   classic  atrium-workspace:1   Jupyter Notebook 6 on Debian bookworm (Python 3.11). Small and
#            quick to start; kept for tests that only need "a Jupyter".
#
# Without a flavour both are built. An image that exists, built by this recipe's BUILD_REVISION, is
# skipped unless --force is given.
# Why trixie's packaged JupyterLab 4 rather than building JupyterLab 3 on bookworm: see the README
# ("Environments").
set -euo pipefail

FORCE=0
FLAVOURS=()
for arg in "$@"; do
  case "$arg" in
    --force) FORCE=1 ;;
    lab | classic) FLAVOURS+=("$arg") ;;
    *) echo "usage: $0 [--force] [lab|classic]" >&2; exit 2 ;;
  esac
done
[ ${#FLAVOURS[@]} -gt 0 ] || FLAVOURS=(lab classic)

# Raise it whenever the recipe changes what an image holds: 2 strips setuid and setgid bits.
BUILD_REVISION=2
MIRROR=http://deb.debian.org/debian
HERE=$(cd "$(dirname "$0")" && pwd)

command -v debootstrap >/dev/null 2>&1 || {
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap
}

ROOT=""
cleanup() {
  [ -n "$ROOT" ] || return 0
  if mountpoint -q "$ROOT/proc"; then umount "$ROOT/proc" || umount -l "$ROOT/proc" || true; fi
  # Never rm -rf through a still-mounted /proc.
  if mountpoint -q "$ROOT/proc"; then echo "warning: $ROOT/proc still mounted, leaving $ROOT" >&2
  else rm -rf --one-file-system "$ROOT"; fi
  ROOT=""
}
trap cleanup EXIT

# build_image IMAGE:TAG SUITE "PACKAGES" START_SCRIPT [extra docker-import --change ...]
build_image() {
  local ref=$1 suite=$2 packages=$3 start=$4
  shift 4
  # An image of this tag from an older recipe (BUILD_REVISION) is rebuilt, so CI picks up a change
  # to the recipe without --force.
  if [ "$FORCE" = 0 ] && [ "$(docker image inspect -f '{{index .Config.Labels "org.atrium.build"}}' "$ref" 2>/dev/null)" = "$BUILD_REVISION" ]; then
    echo "$ref already exists (use --force to rebuild)"
    return 0
  fi
  SECONDS=0
  ROOT=$(mktemp -d /var/tmp/atrium-image.XXXXXX)
  chmod 755 "$ROOT"  # mktemp's 0700 would lock apt's _apt user out (and become the image's / mode)

  debootstrap --variant=minbase "$suite" "$ROOT" "$MIRROR"

  cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $suite main
deb $MIRROR $suite-updates main
deb ${MIRROR}-security $suite-security main
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

  install -m 755 "$HERE/$start" "$ROOT/usr/local/bin/atrium-start-notebook"
  install -m 755 "$HERE/strip-setuid.sh" "$ROOT/usr/local/sbin/atrium-strip-setuid"

  mount -t proc proc "$ROOT/proc"
  chroot "$ROOT" /bin/bash -euo pipefail -c "
    export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
    echo 'Dpkg::Use-Pty \"0\";' >/etc/apt/apt.conf.d/90atrium-nopty  # no /dev/pts in the chroot
    apt-get update
    apt-get -y upgrade
    apt-get install -y --no-install-recommends $packages
    rm -rf ${PRUNE:-}
    useradd --create-home --home-dir /home/jovyan --shell /bin/bash --uid 1000 --gid 100 jovyan
    apt-get clean
    find /var/log -type f -delete
    find /usr/share/doc -type f ! -name copyright -delete  # already installed by debootstrap
    rm -rf /usr/share/man/* /usr/share/info/* /usr/share/locale/*
    rm -rf /var/lib/apt/lists/* /var/cache/debconf/*-old /root/.cache /tmp/* /usr/sbin/policy-rc.d /etc/resolv.conf
  "
  if [ -n "${CONFIGURE:-}" ]; then "$CONFIGURE" "$ROOT"; fi
  # mlflow-skinny only from an index given at build time (install-mlflow.sh); the label says which.
  local mlflow="none"
  if [ "${WITH_MLFLOW:-0}" = 1 ]; then
    if [ -n "${PYPI_INDEX_URL:-}" ]; then
      install -m 755 "$HERE/install-mlflow.sh" "$ROOT/usr/local/sbin/atrium-install-mlflow"
      cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
      mlflow=$(chroot "$ROOT" /usr/local/sbin/atrium-install-mlflow "$PYPI_INDEX_URL" | tail -n 1)
      rm -rf "$ROOT/etc/resolv.conf" "$ROOT/root/.cache" "$ROOT/usr/local/sbin/atrium-install-mlflow"
      echo "$ref: mlflow-skinny $mlflow installed from PYPI_INDEX_URL"
    else
      echo "$ref: no mlflow (Debian packages none, and PYPI_INDEX_URL is not set); notebooks log with the standard-library snippet on the Experiments page, or set PYPI_INDEX_URL and build with --force"
    fi
  fi
  # Last, after every package: no setuid or setgid file in a workspace image (strip-setuid.sh).
  chroot "$ROOT" /usr/local/sbin/atrium-strip-setuid
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
      --change "LABEL org.atrium.workspace=$ref" \
      --change "LABEL org.atrium.build=$BUILD_REVISION" \
      --change "LABEL org.atrium.mlflow=$mlflow" \
      --change 'CMD ["/usr/local/bin/atrium-start-notebook"]' \
      "$@" \
      - "$ref"
  cleanup
  echo "built $ref in ${SECONDS}s ($(docker image inspect -f '{{.Size}}' "$ref" | awk '{printf "%.0f MB", $1/1e6}'))"
}

# JupyterLab's system-wide settings: jupyter_server config, settings overrides, disabled plugins.
configure_lab() {
  local root=$1
  install -d "$root/etc/jupyter" "$root/usr/share/jupyter/lab/settings"
  install -m 644 "$HERE/lab/jupyter_server_config.py" "$root/etc/jupyter/jupyter_server_config.py"
  install -m 644 -D "$HERE/lab/page_config.json" "$root/etc/jupyter/labconfig/page_config.json"
  install -m 644 "$HERE/lab/overrides.json" "$root/usr/share/jupyter/lab/settings/overrides.json"
  install -m 644 -D "$HERE/lab/lab_overrides.py" "$root/usr/local/lib/atrium/lab_overrides.py"
}

for flavour in "${FLAVOURS[@]}"; do
  case "$flavour" in
    lab)
      # Debian's jupyterlab depends on ~540 node-* packages and nodejs, but ships its frontend built
      # (/usr/share/jupyter/lab/static); the node modules are there only to rebuild it, which this
      # image never does (no extensions are built in a workspace). They are 0.9 GB of 1.5 GB, so their
      # files are deleted after the install. (Excluding them from unpacking with dpkg's path-exclude
      # does not work: node-babel7's postinst needs its files.) dpkg still lists the packages.
      # The Python byte code Debian compiled stays: without it (-200 MB) a kernel's first
      # `import pandas, sklearn, matplotlib` takes three times as long, at every start.
      PRUNE="/usr/share/nodejs /usr/lib/nodejs /usr/lib/*/libnode.so* /usr/bin/esbuild" CONFIGURE=configure_lab WITH_MLFLOW=1 build_image atrium-jupyterlab:1 trixie \
        "jupyterlab jupyter-core python3-pip python3-numpy python3-pandas python3-scipy python3-sklearn python3-matplotlib" \
        lab/start.sh
      ;;
    classic)
      PRUNE="" CONFIGURE="" build_image atrium-workspace:1 bookworm "jupyter-notebook python3-pip" classic/start.sh
      docker tag atrium-workspace:1 atrium-workspace:latest
      ;;
  esac
done
