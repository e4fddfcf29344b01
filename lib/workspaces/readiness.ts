/**
 * How long to wait before the next poll, given how long Jupyter has been starting. A lone start is
 * ready in well under a second, so early polls are close together (each 50 ms of delay is 6% of the
 * start); a start that queues behind many others takes ten seconds or more, where polling 20
 * containers every 50 ms would take CPU from the very Jupyters being waited for, so the interval
 * grows to 250 ms (about 1% of such a start on average).
 */
export function pollDelayMs(elapsedMs: number): number {
  return Math.round(Math.min(250, Math.max(50, elapsedMs / 40)));
}

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
    await new Promise((r) => setTimeout(r, pollDelayMs(elapsed)));
  }
  return false;
}
