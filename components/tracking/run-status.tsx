import { statusTone } from "./format";

const LABEL: Record<string, string> = {
  FINISHED: "finished",
  RUNNING: "running",
  FAILED: "failed",
  KILLED: "killed",
  SCHEDULED: "scheduled",
};

export function RunStatus({ status }: { status: string }) {
  return (
    <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${statusTone(status)}`}>
      {LABEL[status] ?? status.toLowerCase()}
    </span>
  );
}
