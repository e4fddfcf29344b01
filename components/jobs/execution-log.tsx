"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

/** An execution's log: followed over Server-Sent Events while it runs, the stored one after. */
export function ExecutionLog({ jobId, executionId, running }: { jobId: string; executionId: string; running: boolean }) {
  const router = useRouter();
  const [lines, setLines] = useState<string[]>([]);
  const [note, setNote] = useState<string>();
  useEffect(() => {
    const url = `/api/jobs/${jobId}/executions/${executionId}/log`;
    if (!running) {
      void fetch(url).then(async (res) => {
        if (res.ok) setLines((await res.text()).split("\n"));
        else setNote(((await res.json().catch(() => ({}))) as { message?: string }).message ?? `The server answered ${res.status}.`);
      });
      return;
    }
    const source = new EventSource(url);
    source.onmessage = (e: MessageEvent<string>) => {
      const event = JSON.parse(e.data) as { line?: string; state?: string; reason?: string | null };
      if (event.line !== undefined) setLines((l) => [...l, event.line ?? ""]);
      if (event.state) {
        setNote(`Ended: ${event.state}${event.reason ? ` (${event.reason})` : ""}.`);
        source.close();
        router.refresh();
      }
    };
    source.onerror = () => source.close();
    return () => source.close();
  }, [jobId, executionId, running, router]);
  return (
    <div>
      <pre className="max-h-96 overflow-auto rounded-md bg-slate-950 p-3 text-xs text-slate-100" data-testid="execution-log">
        {lines.join("\n")}
      </pre>
      {note && <p className="mt-1 text-sm text-slate-600">{note}</p>}
    </div>
  );
}
