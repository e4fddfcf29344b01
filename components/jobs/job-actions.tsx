"use client";

import { useRouter } from "next/navigation";
import { apiFetch } from "@/components/ui/api";
import { RequestError, useJobRequest } from "./parts";

const button =
  "rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-800 hover:bg-slate-50 disabled:opacity-50";

/** Run now, pause or resume, delete; and cancel for one execution (`execution` given). */
export function JobActions({ jobId, paused, execution }: { jobId: string; paused?: boolean; execution?: string }) {
  const router = useRouter();
  const { busy, error, run } = useJobRequest();
  const act = (path: string, method = "POST", then: () => void = () => router.refresh()) =>
    run(async () => {
      await apiFetch(path, { method });
      then();
    });
  if (execution) {
    return (
      <button className={button} disabled={busy} onClick={() => void act(`/api/jobs/${jobId}/executions/${execution}/cancel`)}>
        Cancel
      </button>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-2">
      <button className={button} disabled={busy} onClick={() => void act(`/api/jobs/${jobId}/executions`)} data-testid="run-now">
        Run now
      </button>
      <button className={button} disabled={busy} onClick={() => void act(`/api/jobs/${jobId}/${paused ? "resume" : "pause"}`)}>
        {paused ? "Resume" : "Pause"}
      </button>
      <button
        className={button}
        disabled={busy}
        onClick={() => {
          if (confirm("Delete this job and its history? Its MLflow runs stay."))
            void act(`/api/jobs/${jobId}`, "DELETE", () => router.push("/jobs"));
        }}
      >
        Delete
      </button>
      <RequestError error={error} />
    </div>
  );
}
