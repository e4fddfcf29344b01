/**
 * A complete servers row for tests and benchmarks that need one in a given state without going
 * through a start: a running server by default, with every column set so callers name only what matters.
 */
import type { Db } from "./client";
import type { ServerRow } from "./queries/servers";
import { findUser } from "./queries/users";

/** Owned by the person named `userName`, who must exist (the row keeps her id, as a start does). */
export async function serverRowFixture(
  db: Db,
  userName: string,
  name: string,
  overrides: Partial<Omit<ServerRow, "createdAt">> = {},
): Promise<Omit<ServerRow, "createdAt">> {
  const owner = await findUser(db, userName);
  if (!owner) throw new Error(`serverRowFixture: there is no user ${userName}`);
  const now = overrides.requestedAt ?? new Date();
  return {
    userName,
    ownerId: owner.id,
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
    projectId: null,
    ...overrides,
  };
}

/** A test row of a person's thing named by `userName` (a token), with her owner id filled in; she must exist. */
export async function withOwnerId<T extends { userName: string }>(db: Db, row: T): Promise<T & { ownerId: string }> {
  const owner = await findUser(db, row.userName);
  if (!owner) throw new Error(`withOwnerId: there is no user ${row.userName}`);
  return { ...row, ownerId: owner.id };
}
