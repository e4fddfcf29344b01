#!/usr/bin/env bash
# Make sure a Docker engine is running (installs docker.io and starts dockerd if needed).
set -euo pipefail

LOG=/var/log/atrium-dockerd.log
PIDFILE=/run/atrium-dockerd.pid

docker info >/dev/null 2>&1 && exit 0

if ! command -v dockerd >/dev/null 2>&1; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io
fi

# Only start a daemon if the one we started earlier is not still alive (e.g. still booting).
if ! { [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; }; then
  # setsid + redirected fds: the daemon must not keep the caller's stdout/stderr open.
  setsid nohup dockerd >"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
fi

for _ in $(seq 60); do
  docker info >/dev/null 2>&1 && { echo "docker engine is up"; exit 0; }
  sleep 1
done
echo "dockerd did not come up within 60s; see $LOG" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
