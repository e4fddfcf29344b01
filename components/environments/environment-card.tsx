import type { ReactNode } from "react";
import { missingImageAdvice } from "@atrium/core/lib/environments/image-hint";
import type { EnvironmentView } from "@atrium/core/lib/environments/manage";
import { cpus, gib } from "@/components/workspaces/format";

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="text-xs uppercase tracking-wide text-slate-400">{label}</dt>
      <dd className="mt-0.5 text-slate-800">{children}</dd>
    </div>
  );
}

function AvailabilityBadge({ available, engineDown }: { available: boolean; engineDown: boolean }) {
  if (engineDown) {
    return (
      <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-600 ring-1 ring-inset ring-slate-200">
        engine unreachable
      </span>
    );
  }
  return available ? (
    <span
      data-testid="availability"
      className="rounded-full bg-emerald-50 px-2 py-0.5 text-xs font-medium text-emerald-800 ring-1 ring-inset ring-emerald-200"
    >
      image ready on this host
    </span>
  ) : (
    <span
      data-testid="availability"
      className="rounded-full bg-red-50 px-2 py-0.5 text-xs font-medium text-red-700 ring-1 ring-inset ring-red-200"
    >
      image missing
    </span>
  );
}

export function EnvironmentCard({ env, engineDown, children }: { env: EnvironmentView; engineDown: boolean; children?: ReactNode }) {
  return (
    <article
      data-testid={`environment-${env.id}`}
      className={`flex flex-col rounded-xl border bg-white p-5 shadow-sm ${env.deprecated ? "border-slate-200 opacity-80" : "border-slate-200"}`}
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div>
          <h2 className="font-semibold text-slate-900">{env.name}</h2>
          <p className="font-mono text-xs text-slate-400">{env.id}</p>
        </div>
        <div className="flex flex-wrap items-center gap-1.5">
          {env.deprecated && <span className="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800">deprecated</span>}
          <AvailabilityBadge available={env.available} engineDown={engineDown} />
        </div>
      </div>
      <p className="mt-2 text-sm text-slate-600">{env.description || <span className="text-slate-400">No description.</span>}</p>
      <code className="mt-3 block break-all rounded-md bg-slate-50 px-2 py-1 font-mono text-xs text-slate-700">{env.image}</code>
      {!env.available && !engineDown && (
        <p className="mt-2 text-xs text-red-600" data-testid="image-missing">
          Nobody can start it yet. {missingImageAdvice(env.image)}
        </p>
      )}
      {!env.allowed && <p className="mt-2 text-xs text-amber-700">Your role cannot start this environment.</p>}
      <dl className="mt-4 grid grid-cols-3 gap-3 text-sm">
        <Fact label="Default">
          {cpus(env.defaultCpu)} · {gib(env.defaultMemGb)}
        </Fact>
        <Fact label="Max">
          {env.maxCpu === null && env.maxMemGb === null ? (
            <span className="text-slate-500">role limits</span>
          ) : (
            <>
              {env.maxCpu === null ? "role limit" : cpus(env.maxCpu)} · {env.maxMemGb === null ? "role limit" : gib(env.maxMemGb)}
            </>
          )}
        </Fact>
        <Fact label="Roles">{env.rolesAllowed.length === 0 ? "all roles" : env.rolesAllowed.join(", ")}</Fact>
      </dl>
      {env.command && (
        <p className="mt-3 text-xs text-slate-500">
          Command: <code className="font-mono text-slate-700">{env.command.join(" ")}</code>
        </p>
      )}
      {env.constraints.length > 0 && (
        <p className="mt-1 text-xs text-slate-500" data-testid="env-constraints">
          Runs only on nodes with <code className="font-mono text-slate-700">{env.constraints.join(", ")}</code>
        </p>
      )}
      {children && <div className="mt-auto">{children}</div>}
    </article>
  );
}
