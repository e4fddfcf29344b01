/**
 * A fork bomb that cleans up after itself, for tests of the pids limit (lib/spawner/hardening.ts):
 * the spawner contract runs it in every kind of container, e2e/survival.spec.ts in a workspace
 * while the portal is watched. Test-only.
 *
 * Forks children that sleep until fork() fails, then kills them: prints how many it made and the
 * error that stopped it (EAGAIN at a pids limit), or "none" when it reached 2000 without one.
 */
export const FORK_BOMB = [
  "python3",
  "-c",
  [
    "import os, errno, signal, time",
    "kids, err = [], None",
    "for _ in range(2000):",
    "  try: pid = os.fork()",
    "  except OSError as e: err = e.errno; break",
    "  if pid == 0: time.sleep(60); os._exit(0)",
    "  kids.append(pid)",
    "for k in kids: os.kill(k, signal.SIGKILL)",
    "for k in kids: os.waitpid(k, 0)",
    "print(len(kids), errno.errorcode.get(err, 'none'))",
  ].join("\n"),
];
