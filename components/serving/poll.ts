/**
 * How long the endpoint page waits before asking again (components/serving/endpoint-detail.tsx): every 2 s while a
 * change rolls out — someone is watching replicas start, and a rollout ends within the spawn timeout — and otherwise
 * 10 s, doubling (up to a minute) for each poll that found nothing new, so an idle page left open costs next to nothing.
 */
export function nextPollMs(busy: boolean, unchanged: number): number {
  return busy ? 2000 : Math.min(60_000, 10_000 * 2 ** Math.min(unchanged, 5));
}
