import type { ServerRow } from "@/db/queries/servers";
import { workspaceAddress } from "./names";

/** What people and the API see of a server: never its upstream address or Jupyter token. */
export function serverView(s: ServerRow) {
  return {
    name: s.name,
    user: s.userName,
    status: s.status,
    url: workspaceAddress({ user: s.userName, server: s.name }),
    environment: s.environmentId,
    cpu: s.cpu,
    memGb: s.memGb,
    phase: s.phase,
    progress: s.progress,
    message: s.message,
    reason: s.reason ?? undefined,
    requestedAt: s.requestedAt.toISOString(),
    startedAt: s.startedAt?.toISOString() ?? null,
    stoppedAt: s.stoppedAt?.toISOString() ?? null,
    lastActivity: s.lastActivity?.toISOString() ?? null,
  };
}
export type ServerView = ReturnType<typeof serverView>;
