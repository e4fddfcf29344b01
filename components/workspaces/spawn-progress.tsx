"use client";

import { useEffect, useRef, useState } from "react";
import type { ProgressEvent } from "@/lib/workspaces/progress";
import { serverPath } from "./format";

export function ProgressBar({ label, value, message }: { label: string; value: number; message: string }) {
  const pct = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div data-testid="spawn-progress">
      <div className="flex items-baseline justify-between text-sm">
        <span className="text-slate-700" data-testid="spawn-message">
          {message}
        </span>
        <span className="tabular-nums text-slate-500">{pct}%</span>
      </div>
      <div className="mt-1.5 h-2 overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-label={label} aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}>
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
  initial?: { progress: number; message: string | null };
  onDone?: (e: ProgressEvent) => void;
}) {
  const [event, setEvent] = useState<ProgressEvent | null>(null);
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
      if (e.ready || e.failed) {
        // The stream ends here; closing stops the browser from reconnecting.
        es.close();
        done.current?.(e);
      }
    };
    return () => es.close();
  }, [user, server]);

  if (event?.failed) {
    return (
      <p className="text-sm text-red-700" role="alert">
        It could not start: {event.message}
      </p>
    );
  }
  const value = event?.progress ?? initial?.progress ?? 0;
  const message = event?.message ?? initial?.message ?? "Queued";
  return <ProgressBar label={`Starting ${server}`} value={value} message={event?.ready ? "Ready" : message} />;
}
