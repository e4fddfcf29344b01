"use client";

import { useEffect, useRef, useState } from "react";
import { formatClock } from "@/components/ui/dates";
import type { ProgressEvent } from "@/lib/workspaces/progress";
import { serverPath } from "./format";

/** One line of a start's event log: when the portal saw the step, and what it was. */
export interface SpawnLogEntry {
  at: number;
  message: string;
  failed?: boolean;
}

/** The steps a start went through, as JupyterHub's spawn page lists them; repeated messages once. */
export function SpawnLog({ entries, open = false }: { entries: SpawnLogEntry[]; open?: boolean }) {
  return (
    <details open={open} className="text-xs text-slate-600" data-testid="spawn-log">
      <summary className="cursor-pointer select-none text-slate-500">Event log ({entries.length})</summary>
      <ol className="mt-1 space-y-0.5 border-l border-slate-200 pl-3 font-mono">
        {entries.map((e, i) => (
          <li key={i} className={e.failed ? "text-red-700" : undefined}>
            <span className="text-slate-400" suppressHydrationWarning>
              {formatClock(e.at)}
            </span>{" "}
            {e.message}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** Appends an event's message unless it repeats the last line (the percentage moves, the words do not). */
function appendEntry(log: SpawnLogEntry[], e: { message: string; failed?: boolean; ready?: boolean }, at: number): SpawnLogEntry[] {
  const message = e.ready ? "Ready" : e.failed ? `Failed: ${e.message}` : e.message;
  if (log.at(-1)?.message === message) return log;
  return [...log, { at, message, ...(e.failed ? { failed: true } : {}) }];
}

function ProgressBar({ label, value, message }: { label: string; value: number; message: string }) {
  const pct = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div data-testid="spawn-progress">
      <div className="flex items-baseline justify-between text-sm">
        <span className="text-slate-700" data-testid="spawn-message">
          {message}
        </span>
        <span className="tabular-nums text-slate-500">{pct}%</span>
      </div>
      <div
        className="mt-1.5 h-2 overflow-hidden rounded-full bg-slate-100"
        role="progressbar"
        aria-label={label}
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
      >
        <div className="h-2 rounded-full bg-brand-500 transition-[width] duration-500" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}

/**
 * Follows a starting server through the progress stream (Server-Sent Events) and calls `onDone` once
 * with the final `ready` or `failed` event. Mount it only while the server is pending, keyed by the
 * start, so every start gets a fresh stream.
 */
export function SpawnProgress({
  user,
  server,
  initial,
  onDone,
}: {
  user: string;
  server: string;
  initial?: { progress: number; message: string | null; requestedAt?: string };
  onDone?: (e: ProgressEvent, log: SpawnLogEntry[]) => void;
}) {
  const [event, setEvent] = useState<ProgressEvent | null>(null);
  // Begins, as JupyterHub's, with the request, then whatever step the server is at when this mounts.
  const [log, setLog] = useState<SpawnLogEntry[]>(() => {
    const requested = initial?.requestedAt ? [{ at: Date.parse(initial.requestedAt), message: "Server requested" }] : [];
    return appendEntry(requested, { message: initial?.message ?? "Queued" }, Date.now());
  });
  // The stream's handler outlives renders; the log it hands to onDone must be the latest.
  const logRef = useRef(log);
  const done = useRef(onDone);
  useEffect(() => {
    done.current = onDone;
  });
  useEffect(() => {
    const es = new EventSource(`${serverPath(user, server)}/progress`);
    es.onmessage = (m: MessageEvent<string>) => {
      let e: ProgressEvent;
      try {
        e = JSON.parse(m.data) as ProgressEvent;
      } catch {
        return;
      }
      setEvent(e);
      logRef.current = appendEntry(logRef.current, e, Date.now());
      setLog(logRef.current);
      if (e.ready || e.failed) {
        // The stream ends here; closing stops the browser from reconnecting.
        es.close();
        done.current?.(e, logRef.current);
      }
    };
    return () => es.close();
  }, [user, server]);

  if (event?.failed) {
    return (
      <div className="space-y-2">
        <p className="text-sm text-red-700" role="alert">
          It could not start: {event.message}
        </p>
        <SpawnLog entries={log} open />
      </div>
    );
  }
  const value = event?.progress ?? initial?.progress ?? 0;
  const message = event?.message ?? initial?.message ?? "Queued";
  return (
    <div className="space-y-2">
      <ProgressBar label={`Starting ${server}`} value={value} message={event?.ready ? "Ready" : message} />
      <SpawnLog entries={log} open />
    </div>
  );
}
