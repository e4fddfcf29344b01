/**
 * How long to wait before the next poll, given how long Jupyter has been starting and how many starts
 * this process is waiting for. A lone start is ready in well under a second, so early polls are close
 * together (each 50 ms of delay is 6% of the start). Starts that queue behind each other take ten
 * seconds or more, and each poll of a Jupyter not yet listening costs a connection through the
 * engine's port proxy: polling 20 containers every 50 ms would take CPU from the very Jupyters being
 * waited for. So the interval grows with the wait and with the number waiting, to 250 ms at most
 * (about 1% of such a start on average).
 */
export function pollDelayMs(elapsedMs: number, waiting = 1): number {
  return Math.round(Math.min(250, Math.max(50, elapsedMs / 40, 10 * waiting)));
}

let waitingNow = 0;

/**
 * Polls Jupyter's /api/status until it answers 200 with the token. Each attempt has its own short
 * timeout: before Jupyter listens, Docker's port proxy accepts and then resets connections, and a
 * plain fetch can hang on that.
 */
export async function waitForJupyter(
  url: string,
  baseUrl: string,
  token: string,
  deadline: number,
  onWait?: (elapsedMs: number) => Promise<void> | void,
): Promise<boolean> {
  const started = Date.now();
  waitingNow++;
  try {
    return await pollUntilReady(url, baseUrl, token, deadline, started, onWait);
  } finally {
    waitingNow--;
  }
}

async function pollUntilReady(
  url: string,
  baseUrl: string,
  token: string,
  deadline: number,
  started: number,
  onWait?: (elapsedMs: number) => Promise<void> | void,
): Promise<boolean> {
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}${baseUrl}api/status`, {
        headers: { authorization: `token ${token}` },
        signal: AbortSignal.timeout(1000),
      });
      await res.body?.cancel();
      if (res.ok) return true;
    } catch {
      // not up yet
    }
    const elapsed = Date.now() - started;
    await onWait?.(elapsed);
    await new Promise((r) => setTimeout(r, pollDelayMs(elapsed, waitingNow)));
  }
  return false;
}
