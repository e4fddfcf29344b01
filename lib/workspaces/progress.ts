import type { Db } from "@/db/client";
import { findServer } from "@/db/queries/servers";
import { workspaceAddress } from "./names";

export interface ProgressEvent {
  progress: number;
  phase: string;
  message: string;
  ready?: boolean;
  failed?: boolean;
  url?: string;
}

/**
 * The spawn's progress as it is recorded in Postgres, so any portal replica can stream it. Yields when
 * something changes and ends with a `ready` or `failed` event.
 */
export async function* progressEvents(
  db: Db,
  user: string,
  server: string,
  signal: AbortSignal,
  pollMs = 300,
): AsyncGenerator<ProgressEvent> {
  let last = "";
  while (!signal.aborted) {
    const row = await findServer(db, user, server);
    if (!row) {
      yield { progress: 100, phase: "failed", message: "There is no such server.", failed: true };
      return;
    }
    let event: ProgressEvent;
    if (row.status === "running")
      event = { progress: 100, phase: "ready", message: "Ready", ready: true, url: workspaceAddress({ user, server }) };
    else if (row.status === "failed")
      event = { progress: 100, phase: "failed", message: row.reason ?? "The server failed to start.", failed: true };
    else if (row.status === "stopped") event = { progress: 100, phase: "failed", message: "The server is stopped.", failed: true };
    else event = { progress: row.progress, phase: row.phase ?? row.status, message: row.message ?? row.status };
    const key = JSON.stringify(event);
    if (key !== last) {
      last = key;
      yield event;
    }
    if (event.ready || event.failed) return;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
