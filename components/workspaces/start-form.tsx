"use client";

import { Button } from "@/components/ui/button";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { submitWith } from "@/components/ui/submit-with";
import { ProjectPicker, projectField } from "@/components/projects/project-picker";
import { missingImageAdvice } from "@/lib/environments/image-hint";
import type { EnvironmentView } from "@/lib/environments/manage";
import type { Me } from "@/lib/users/me";
import { fitSize, sizeRange, STEP } from "./allowed-size";
import { cpus, gib, serverPath } from "./format";
import { keys } from "./queries";

const NAME_PATTERN = "[a-z0-9][a-z0-9\\-]{0,29}";

const ACTIVE = new Set(["pending", "running", "stopping"]);

/**
 * The name the form offers: `preferred` unless a workspace of hers by that name is active, else the first
 * `preferred-2`, `preferred-3`… that is not (a stopped one's name is fine: it starts again with its files).
 */
export function freeName(preferred: string, existing: { name: string; status: string }[]): string {
  const active = new Set(existing.filter((s) => ACTIVE.has(s.status)).map((s) => s.name));
  if (!active.has(preferred)) return preferred;
  for (let i = 2; ; i++) {
    const candidate = `${preferred.slice(0, 26)}-${i}`;
    if (!active.has(candidate)) return candidate;
  }
}

/** Environments the person may pick: allowed ones, deprecated last. */
function pickable(envs: EnvironmentView[]): EnvironmentView[] {
  return envs.filter((e) => e.allowed).sort((a, b) => Number(a.deprecated) - Number(b.deprecated) || a.name.localeCompare(b.name));
}

function Slider({
  id,
  label,
  value,
  min,
  max,
  format,
  onChange,
  hint,
}: {
  id: string;
  label: string;
  value: number;
  min: number;
  max: number;
  format: (n: number) => string;
  onChange: (n: number) => void;
  hint: string;
}) {
  return (
    <div>
      <div className="flex items-baseline justify-between text-sm">
        <label htmlFor={id} className="font-medium text-slate-700">
          {label}
        </label>
        <output htmlFor={id} className="tabular-nums font-semibold text-slate-900" data-testid={`${id}-value`}>
          {format(value)}
        </output>
      </div>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={STEP}
        value={value}
        disabled={max <= min}
        onChange={(e) => onChange(Number(e.target.value))}
        className="mt-2 w-full accent-brand-600"
      />
      <div className="flex justify-between text-xs text-slate-500">
        <span>{format(min)}</span>
        <span title={hint}>up to {format(max)}</span>
      </div>
    </div>
  );
}

export function StartForm({
  me,
  environments,
  environmentsError,
  engineDown,
  existing = [],
  defaultName = "default",
  machineCpu,
}: {
  /** The engine's CPUs (lib/usage/capacity.ts), when it said: no offer goes past them. */
  machineCpu?: number;
  me: Me;
  /** The person's servers, to say what a name that is taken will do. */
  existing?: { name: string; status: string }[];
  environments: EnvironmentView[] | undefined;
  environmentsError?: string;
  engineDown: boolean;
  defaultName?: string;
}) {
  const client = useQueryClient();
  const [envId, setEnvId] = useState<string | null>(null);
  const [cpuChoice, setCpuChoice] = useState<number | null>(null);
  const [memChoice, setMemChoice] = useState<number | null>(null);
  // Until she types one, the offered name follows the list: never one of her active workspaces.
  const [typedName, setName] = useState<string | null>(null);
  const name = typedName ?? freeName(defaultName, existing);
  const [project, setProject] = useState("");

  const start = useMutation({
    mutationFn: (ask: { environment: string; cpu: number; memGb: number }) =>
      apiFetch(serverPath(me.name, name), { method: "POST", body: JSON.stringify({ ...ask, ...projectField(project) }) }),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: keys.home(me.name) });
    },
  });

  // The server's own sentence for the smallest start she could ask for (lib/users/me.ts), with whom to ask.
  if (me.startRefusal) {
    return (
      <p className="rounded-lg bg-amber-50 px-4 py-3 text-sm text-amber-900" data-testid="no-room" role="status">
        {me.startRefusal}
      </p>
    );
  }
  if (!environments) {
    return environmentsError ? (
      <p className="text-sm text-red-600">The environments could not be loaded: {environmentsError}</p>
    ) : (
      <p className="text-sm text-slate-500">Loading environments…</p>
    );
  }
  const envs = pickable(environments);
  if (envs.length === 0) {
    return (
      <p className="text-sm text-slate-600">
        No environment is available to your role yet. Ask an admin to add one on the Environments page.
      </p>
    );
  }
  const usable = (e: EnvironmentView) => e.available || engineDown;
  const env = envs.find((e) => e.id === envId) ?? envs.find((e) => usable(e) && !e.deprecated) ?? envs.find(usable) ?? envs[0];
  if (!env) return null;

  const { limits, usage } = me;
  const range = sizeRange(me, env, machineCpu);
  // The machine, not her limits, is what stops the slider: say so, or the number looks arbitrary.
  const machineCaps =
    machineCpu !== undefined && machineCpu < Math.min(limits.maxCpu, limits.maxTotalCpu - usage.cpu, env.maxCpu ?? Infinity);
  const { cpuMin, cpuMax, memMin, memMax } = range;
  const { cpu, memGb } = fitSize(range, { cpu: cpuChoice ?? env.defaultCpu, memGb: memChoice ?? env.defaultMemGb });
  const nameOk = new RegExp(`^${NAME_PATTERN}$`).test(name);
  const taken = existing.find((s) => s.name === name);
  const busy = taken && ACTIVE.has(taken.status);
  const cpuHint = `the smallest of: ${cpus(limits.maxCpu)} per workspace, ${cpus(limits.maxTotalCpu - usage.cpu)} left in your total${env.maxCpu ? `, ${cpus(env.maxCpu)} for this environment` : ""}${machineCpu !== undefined ? `, ${cpus(machineCpu)} on the machine` : ""}`;
  const memHint = `the smallest of: ${gib(limits.maxMemGb)} per workspace, ${gib(limits.maxTotalMemGb - usage.memGb)} left in your total${env.maxMemGb ? `, ${gib(env.maxMemGb)} for this environment` : ""}`;

  return (
    <form className="space-y-5" data-testid="start-form" onSubmit={submitWith(() => start.mutate({ environment: env.id, cpu, memGb }))}>
      <div className="grid gap-5 md:grid-cols-2">
        <div>
          <label htmlFor="environment" className="text-sm font-medium text-slate-700">
            Environment
          </label>
          <select
            id="environment"
            value={env.id}
            onChange={(e) => {
              setEnvId(e.target.value);
              setCpuChoice(null);
              setMemChoice(null);
              start.reset();
            }}
            className="mt-1 w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm"
          >
            {envs.map((e) => (
              <option key={e.id} value={e.id} disabled={!usable(e)}>
                {e.name}
                {e.deprecated ? " [deprecated]" : ""}
                {!e.available && !engineDown ? " — image missing" : ""}
              </option>
            ))}
          </select>
          <p className="mt-2 text-sm text-slate-600">
            {env.deprecated && (
              <span className="mr-2 rounded bg-amber-100 px-1.5 py-0.5 text-xs font-medium text-amber-800">deprecated</span>
            )}
            {env.description || <span className="text-slate-400">No description.</span>}
          </p>
          {!env.available && !engineDown && (
            <p className="mt-1 text-sm text-red-600" data-testid="image-missing">
              {missingImageAdvice(env.image)}
            </p>
          )}
        </div>
        <div>
          <label htmlFor="server-name" className="text-sm font-medium text-slate-700">
            Workspace name
          </label>
          <input
            id="server-name"
            value={name}
            onChange={(e) => setName(e.target.value.trim())}
            required
            pattern={NAME_PATTERN}
            maxLength={30}
            title="1 to 30 lower-case letters, digits or '-', starting with a letter or digit"
            className={`mt-1 w-full rounded-lg border px-3 py-2 font-mono text-sm ${nameOk ? "border-slate-300" : "border-red-400"}`}
          />
          {busy ? (
            <p className="mt-1 text-xs text-red-600">
              You already have a workspace named “{name}” that is {taken.status}; pick another name.
            </p>
          ) : taken ? (
            <p className="mt-1 text-xs text-slate-500">
              Your stopped workspace “{name}” starts again with these settings; its files are still there.
            </p>
          ) : (
            <p className={`mt-1 text-xs ${nameOk ? "text-slate-500" : "text-red-600"}`}>
              Lower-case letters, digits and “-”, up to 30. It will be at{" "}
              <code className="font-mono">
                /user/{me.name}/{nameOk ? name : "…"}/
              </code>
            </p>
          )}
          <div className="mt-3">
            <ProjectPicker
              id="server-project"
              value={project}
              onChange={setProject}
              minRole="user"
              className="mt-1 w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm"
            />
          </div>
        </div>
        <Slider id="cpu" label="CPU" value={cpu} min={cpuMin} max={cpuMax} format={cpus} onChange={setCpuChoice} hint={cpuHint} />
        <Slider id="memory" label="Memory" value={memGb} min={memMin} max={memMax} format={gib} onChange={setMemChoice} hint={memHint} />
      </div>
      {machineCaps && machineCpu !== undefined && (
        <p className="text-sm text-slate-600" data-testid="machine-cpu-cap">
          The machine workspaces run on has {cpus(machineCpu)}, so no workspace can have more, although your role allows{" "}
          {cpus(limits.maxCpu)}.
        </p>
      )}
      <div className="flex flex-wrap items-center gap-4">
        <Button type="submit" size="lg" loading={start.isPending} disabled={!nameOk || busy || !usable(env) || engineDown}>
          {start.isPending ? "Starting…" : "Start"}
        </Button>
        <span className="text-sm text-slate-500">
          {engineDown
            ? "Starting is paused until the container engine answers again."
            : `${env.name} with ${cpus(cpu)} and ${gib(memGb)} of memory.`}
        </span>
      </div>
      {start.error && (
        <p className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700" role="alert" data-testid="start-error">
          {start.error.message}
        </p>
      )}
    </form>
  );
}
