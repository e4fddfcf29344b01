/**
 * A complete servers row for tests and benchmarks that need one in a given state without going
 * through a start: a running server by default, with every column set so callers name only what matters.
 */
import type { ServerRow } from "./queries/servers";

export function serverRowFixture(
  userName: string,
  name: string,
  overrides: Partial<Omit<ServerRow, "createdAt">> = {},
): Omit<ServerRow, "createdAt"> {
  const now = overrides.requestedAt ?? new Date();
  return {
    userName,
    name,
    environmentId: "python",
    cpu: 1,
    memGb: 1,
    status: "running",
    reason: null,
    phase: "ready",
    progress: 100,
    message: "Ready",
    url: null,
    jupyterToken: null,
    trackingTokenId: null,
    imageId: null,
    requestedAt: now,
    startedAt: now,
    stoppedAt: null,
    lastActivity: now,
    ...overrides,
  };
}
