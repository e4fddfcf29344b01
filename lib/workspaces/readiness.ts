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
    await onWait?.(Date.now() - started);
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
