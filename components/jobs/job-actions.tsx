"use client";

import { Button } from "@/components/ui/button";
import { useRouter } from "next/navigation";
import { apiFetch } from "@/components/ui/api";
import { RequestError, useJobRequest } from "./parts";

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
      <Button variant="secondary" disabled={busy} onClick={() => void act(`/api/jobs/${jobId}/executions/${execution}/cancel`)}>
        Cancel
      </Button>
    );
  }
  return (
    <div className="flex flex-wrap items-center gap-2">
      <Button variant="secondary" disabled={busy} onClick={() => void act(`/api/jobs/${jobId}/executions`)} data-testid="run-now">
        Run now
      </Button>
      <Button variant="secondary" disabled={busy} onClick={() => void act(`/api/jobs/${jobId}/${paused ? "resume" : "pause"}`)}>
        {paused ? "Resume" : "Pause"}
      </Button>
      <Button
        variant="danger-outline"
        disabled={busy}
        onClick={() => {
          if (confirm("Delete this job and its history? Its MLflow runs stay."))
            void act(`/api/jobs/${jobId}`, "DELETE", () => router.push("/jobs"));
        }}
      >
        Delete
      </Button>
      <RequestError error={error} />
    </div>
  );
}
