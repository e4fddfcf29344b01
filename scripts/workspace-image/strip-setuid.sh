#!/bin/sh
# Clears the setuid and setgid bits of every file on the image's root filesystem (run as root inside
# the image being built, by build.sh). A workspace runs as jovyan with every capability dropped and,
# where the engine carries it, no-new-privileges; a swarm on Docker 20.10 drops no-new-privileges
# (lib/spawner/hardening.ts), and there a setuid-root binary (su, passwd, mount, ...) would still run
# with uid 0. Without the bits there is nothing to run: jovyan needs none of them.
set -eu
find / -xdev -type f -perm /6000 -exec chmod ug-s {} +
left=$(find / -xdev -type f -perm /6000 | head -n 5)
if [ -n "$left" ]; then
  echo "setuid/setgid files left: $left" >&2
  exit 1
fi
