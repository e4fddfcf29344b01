"use client";

import { Button } from "@/components/ui/button";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { formatDateTime } from "@/components/ui/dates";
import type { JobView } from "@/lib/jobs/view";
import { ProjectPicker, projectField } from "@/components/projects/project-picker";
import { HomePicker } from "./home-picker";
import { RequestError, useJobRequest } from "./parts";

type Kind = "manual" | "cron" | "after";

const input = "mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm";
const label = "block text-sm font-medium text-slate-700";

/** "alpha=0.5" lines → a parameter map; a line without "=" is a mistake the server names. */
function parseParameters(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)) {
    const at = line.indexOf("=");
    if (at < 1) throw new Error(`The parameter line "${line}" needs the form name=value.`);
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/** The next five times of the expression, or the server's sentence about what is wrong with it. */
function CronPreview({ cron, timeZone }: { cron: string; timeZone: string }) {
  const [state, setState] = useState<{ next?: string[]; error?: string }>({});
  useEffect(() => {
    if (!cron.trim()) return;
    const t = setTimeout(() => {
      const q = new URLSearchParams({ cron, timeZone: timeZone || "UTC" });
      apiFetch<{ next: string[] }>(`/api/jobs/cron-preview?${q.toString()}`).then(
        (r) => setState({ next: r.next }),
        (err: unknown) => setState({ error: err instanceof Error ? err.message : String(err) }),
      );
    }, 250);
    return () => clearTimeout(t);
  }, [cron, timeZone]);
  if (state.error)
    return (
      <p className="mt-1 text-sm text-red-700" data-testid="cron-error">
        {state.error}
      </p>
    );
  if (!state.next) return null;
  return (
    <ul className="mt-1 text-xs text-slate-600" data-testid="cron-next">
      {state.next.map((t) => (
        <li key={t}>{formatDateTime(t)}</li>
      ))}
    </ul>
  );
}

/**
 * Creates a job, or changes one (`job` given). `environments`: what the person may pick (lib/environments/manage.ts);
 * `owner`: whose home the file picker browses.
 */
export function JobForm({
  job,
  owner,
  otherJobs,
  environments,
}: {
  job?: JobView;
  owner: string;
  otherJobs: Array<{ id: string; name: string }>;
  environments: Array<{ id: string; name: string }>;
}) {
  const router = useRouter();
  const [name, setName] = useState(job?.name ?? "");
  const [path, setPath] = useState(job?.path ?? "");
  const [browsing, setBrowsing] = useState(false);
  const [environment, setEnvironment] = useState(job?.environment ?? environments[0]?.id ?? "");
  // A job keeps an environment that is no longer offered (deprecated, or no longer for her role) until she picks another.
  const offered =
    job && !environments.some((e) => e.id === job.environment)
      ? [...environments, { id: job.environment, name: job.environment }]
      : environments;
  const [cpu, setCpu] = useState(String(job?.cpu ?? 1));
  const [memGb, setMemGb] = useState(String(job?.memGb ?? 1));
  const [timeoutS, setTimeoutS] = useState(String(job?.timeoutS ?? 3600));
  const [retries, setRetries] = useState(String(job?.retries ?? 0));
  const [kind, setKind] = useState<Kind>(job?.trigger.kind ?? "cron");
  const [cron, setCron] = useState(job?.trigger.kind === "cron" ? job.trigger.cron : "0 6 * * *");
  // UTC, not the browser's zone: the form is rendered on the server too, and the two must agree.
  const [timeZone, setTimeZone] = useState(job?.trigger.kind === "cron" ? job.trigger.timeZone : "UTC");
  const [after, setAfter] = useState(job?.trigger.kind === "after" ? job.trigger.jobId : (otherJobs[0]?.id ?? ""));
  const [params, setParams] = useState(
    Object.entries(job?.parameters ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join("\n"),
  );
  // Where a new job lives; a job stays where it was created.
  const [project, setProject] = useState("");
  const { busy, error, run } = useJobRequest();

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    return run(async () => {
      const trigger = kind === "cron" ? { kind, cron, timeZone } : kind === "after" ? { kind, jobId: after } : { kind };
      const body = JSON.stringify({
        name,
        path,
        environment,
        cpu: Number(cpu),
        memGb: Number(memGb),
        timeoutS: Number(timeoutS),
        retries: Number(retries),
        parameters: parseParameters(params),
        trigger,
        ...(job ? {} : projectField(project)),
      });
      const saved = job
        ? await apiFetch<JobView>(`/api/jobs/${job.id}`, { method: "PATCH", body })
        : await apiFetch<JobView>("/api/jobs", { method: "POST", body });
      router.push(`/jobs/${saved.id}`);
      router.refresh();
    });
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="grid gap-3 sm:grid-cols-2" data-testid="job-form">
      <label className={label}>
        Name
        <input className={input} value={name} onChange={(e) => setName(e.target.value)} placeholder="nightly-train" required />
      </label>
      {!job && <ProjectPicker id="job-project" value={project} onChange={setProject} minRole="editor" className={input} />}
      <div>
        <div className="flex items-end gap-2">
          <label className={`${label} min-w-0 flex-1`}>
            Notebook or script in your home
            <input
              className={input}
              value={path}
              onChange={(e) => setPath(e.target.value)}
              placeholder="jobs/train.ipynb"
              required
              data-testid="job-path"
            />
          </label>
          <Button type="button" variant="secondary" onClick={() => setBrowsing((b) => !b)} disabled={!environment}>
            {browsing ? "Close" : "Browse"}
          </Button>
        </div>
        {browsing && environment && (
          <HomePicker
            owner={owner}
            environment={environment}
            onPick={(picked) => {
              setPath(picked);
              setBrowsing(false);
            }}
          />
        )}
      </div>
      <label className={label}>
        Environment
        <select className={`${input} bg-white`} value={environment} onChange={(e) => setEnvironment(e.target.value)} required>
          {offered.length === 0 && <option value="">No environment is available to your role</option>}
          {offered.map((e) => (
            <option key={e.id} value={e.id}>
              {e.name}
              {environments.some((o) => o.id === e.id) ? "" : " (no longer offered)"}
            </option>
          ))}
        </select>
      </label>
      <div className="grid grid-cols-2 gap-3">
        <label className={label}>
          CPU
          <input className={input} type="number" step="0.25" min="0.25" value={cpu} onChange={(e) => setCpu(e.target.value)} />
        </label>
        <label className={label}>
          Memory (GiB)
          <input className={input} type="number" step="0.25" min="0.25" value={memGb} onChange={(e) => setMemGb(e.target.value)} />
        </label>
      </div>
      <div className="grid grid-cols-2 gap-3">
        <label className={label}>
          Timeout (s)
          <input className={input} type="number" min="10" value={timeoutS} onChange={(e) => setTimeoutS(e.target.value)} />
        </label>
        <label className={label}>
          Retries
          <input className={input} type="number" min="0" max="10" value={retries} onChange={(e) => setRetries(e.target.value)} />
        </label>
      </div>
      <label className={label}>
        Parameters (one name=value a line)
        <textarea className={input} rows={3} value={params} onChange={(e) => setParams(e.target.value)} placeholder="alpha=0.5" />
      </label>
      <div>
        <label className={label}>
          Trigger
          <select className={input} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
            <option value="cron">On a schedule (cron)</option>
            <option value="manual">Only when I run it</option>
            <option value="after" disabled={otherJobs.length === 0}>
              After another job succeeds
            </option>
          </select>
        </label>
        {kind === "cron" && (
          <div className="mt-2 grid grid-cols-2 gap-3">
            <label className={label}>
              Cron (min hour day month weekday)
              <input className={`${input} font-mono`} value={cron} onChange={(e) => setCron(e.target.value)} data-testid="cron-input" />
            </label>
            <label className={label}>
              Time zone
              <input className={input} value={timeZone} onChange={(e) => setTimeZone(e.target.value)} />
            </label>
            <div className="col-span-2">
              <CronPreview cron={cron} timeZone={timeZone} />
            </div>
          </div>
        )}
        {kind === "after" && (
          <select className={`${input} mt-2`} value={after} onChange={(e) => setAfter(e.target.value)}>
            {otherJobs.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        )}
      </div>
      <div className="sm:col-span-2 flex items-center gap-3">
        <Button type="submit" loading={busy}>
          {job ? "Save" : "Create job"}
        </Button>
        <RequestError error={error} />
      </div>
    </form>
  );
}
