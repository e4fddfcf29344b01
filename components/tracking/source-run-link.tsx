"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { mlflowGet, type WireRun } from "./mlflow";

/** A link to the run a model version came from, named by the run (its id until the name arrives, or if it is gone). */
export function SourceRunLink({ runId }: { runId: string }) {
  const run = useQuery({
    queryKey: ["run", runId],
    queryFn: async () => (await mlflowGet<{ run: WireRun }>("runs/get", { run_id: runId })).run,
    retry: false,
    staleTime: 60_000,
  });
  return (
    <Link href={`/runs/${runId}`} className="text-brand-700 hover:underline" data-testid="source-run" title={runId}>
      {run.data ? run.data.info.run_name : <span className="font-mono text-xs">{runId.slice(0, 8)}…</span>}
    </Link>
  );
}
