"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { useAction } from "@/components/ui/use-action";
import type { EnvironmentView } from "@/lib/environments/manage";
import { ENDPOINT_NAME, endpointNameRule, MAX_REPLICAS, WORKLOAD_SIZES } from "@/lib/serving/schemas";
import { ProjectPicker, projectField } from "@/components/projects/project-picker";
import { defaultEndpointName, deployBody, type DeployChoices, type Size } from "./deploy-body";

export type { DeployChoices };

const list = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

const input = "mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm";

/**
 * Deploy: a registered model version (or an alias, followed as it moves) becomes an endpoint. Posts to the
 * serving-endpoints API, then grants the people and tokens named; a refusal (allowance, name, environment) is shown
 * here, under the button, in the API's own sentence.
 */
export function DeployForm({ choices, onCancel }: { choices: DeployChoices; onCancel: () => void }) {
  const router = useRouter();
  const [choice, setChoice] = useState(choices.initial);
  const [name, setName] = useState(defaultEndpointName(choices.model, choices.initial));
  const [named, setNamed] = useState(false);
  const [environment, setEnvironment] = useState("");
  const [size, setSize] = useState<Size>("Small");
  const [cpu, setCpu] = useState("1");
  const [memGb, setMemGb] = useState("2");
  const [min, setMin] = useState(1);
  const [max, setMax] = useState(1);
  const [scaleToZero, setScaleToZero] = useState(false);
  const [people, setPeople] = useState("");
  const [tokens, setTokens] = useState("");
  const [project, setProject] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const action = useAction("The endpoint could not be created.");
  const envs = useQuery({ queryKey: ["environments"], queryFn: () => apiFetch<EnvironmentView[]>("/api/environments"), retry: false });

  const submit = async () => {
    setProblem(null);
    if (!ENDPOINT_NAME.test(name)) return setProblem(`The endpoint name must be ${endpointNameRule}.`);
    if (!scaleToZero && min > max) return setProblem(`At least ${min} replicas cannot be more than at most ${max}.`);
    const body = deployBody({ name, model: choices.model, choice, environment, size, cpu, memGb, min, max, scaleToZero });
    const grants = [...list(people).map((user_name) => ({ user_name })), ...list(tokens).map((token_id) => ({ token_id }))];
    const ok = await action.run(async () => {
      await apiFetch("/api/2.0/serving-endpoints", { method: "POST", body: JSON.stringify({ ...body, ...projectField(project) }) });
      if (grants.length > 0) {
        const acl = grants.map((g) => ({ ...g, permission_level: "CAN_QUERY" }));
        await apiFetch(`/api/2.0/serving-endpoints/${encodeURIComponent(name)}/permissions`, {
          method: "PATCH",
          body: JSON.stringify({ access_control_list: acl }),
        }).catch((err: unknown) => {
          throw new Error(
            `The endpoint ${name} was created, but granting access failed: ${err instanceof Error ? err.message : String(err)} Change who may call it from its page.`,
          );
        });
      }
    });
    if (ok) router.push(`/serving/${encodeURIComponent(name)}`);
  };

  const selectable = (envs.data ?? []).filter((e) => e.allowed && !e.deprecated);
  const error = problem ?? action.error;
  return (
    <Card
      title="Deploy as an endpoint"
      description="Atrium starts containers that load the model and answer MLflow's scoring protocol at /serving-endpoints/<name>/invocations."
    >
      <form
        className="grid gap-4 sm:grid-cols-2"
        data-testid="deploy-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Field id="deploy-name" label="Endpoint name" hint={`Part of the URL callers use: ${endpointNameRule}.`}>
          <input
            id="deploy-name"
            className={input}
            value={name}
            maxLength={63}
            onChange={(e) => {
              setName(e.target.value);
              setNamed(true);
            }}
            aria-describedby="deploy-name-hint"
          />
        </Field>
        <ProjectPicker id="deploy-project" value={project} onChange={setProject} minRole="editor" className={input} />
        <Field
          id="deploy-serve"
          label="Serve"
          hint="An alias is followed: when it moves to another version, the endpoint rolls out that version."
        >
          <select
            id="deploy-serve"
            className={input}
            value={choice}
            onChange={(e) => {
              setChoice(e.target.value);
              if (!named) setName(defaultEndpointName(choices.model, e.target.value));
            }}
          >
            {choices.aliases.map((a) => (
              <option key={a.alias} value={`a:${a.alias}`}>
                @{a.alias} (now v{a.version}, follows it)
              </option>
            ))}
            {choices.versions.map((v) => (
              <option key={v} value={`v:${v}`}>
                version {v}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="deploy-env"
          label="Environment"
          hint="The image the containers run. By default, the one the model's training run recorded."
        >
          <select id="deploy-env" className={input} value={environment} onChange={(e) => setEnvironment(e.target.value)}>
            <option value="">The training run&apos;s image (default)</option>
            {selectable.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="deploy-size"
          label="Size per replica"
          hint="Counts against your role's serving allowance: per replica × the most replicas."
        >
          <select id="deploy-size" className={input} value={size} onChange={(e) => setSize(e.target.value as Size)}>
            {(Object.keys(WORKLOAD_SIZES) as (keyof typeof WORKLOAD_SIZES)[]).map((s) => (
              <option key={s} value={s}>
                {s}: {WORKLOAD_SIZES[s].cpu} CPU, {WORKLOAD_SIZES[s].memGb} GiB
              </option>
            ))}
            <option value="Custom">Custom</option>
          </select>
        </Field>
        {size === "Custom" && (
          <div className="grid grid-cols-2 gap-3 sm:col-span-2">
            <Field id="deploy-cpu" label="CPUs per replica">
              <input
                id="deploy-cpu"
                type="number"
                min={0.1}
                step={0.1}
                className={input}
                value={cpu}
                onChange={(e) => setCpu(e.target.value)}
              />
            </Field>
            <Field id="deploy-mem" label="Memory per replica (GiB)">
              <input
                id="deploy-mem"
                type="number"
                min={0.25}
                step={0.25}
                className={input}
                value={memGb}
                onChange={(e) => setMemGb(e.target.value)}
              />
            </Field>
          </div>
        )}
        <fieldset className="grid grid-cols-2 gap-3 text-sm sm:col-span-2 sm:grid-cols-3">
          <legend className="mb-1 font-medium text-slate-700">Replicas</legend>
          <label>
            <span className="text-slate-600">At least</span>
            <input
              type="number"
              min={scaleToZero ? 0 : 1}
              max={MAX_REPLICAS}
              className={input}
              value={scaleToZero ? 0 : min}
              disabled={scaleToZero}
              onChange={(e) => setMin(Number(e.target.value))}
              aria-label="At least this many replicas"
            />
          </label>
          <label>
            <span className="text-slate-600">At most</span>
            <input
              type="number"
              min={1}
              max={MAX_REPLICAS}
              className={input}
              value={max}
              onChange={(e) => setMax(Number(e.target.value))}
              aria-label="At most this many replicas"
            />
          </label>
          <label className="col-span-2 flex items-center gap-2 self-end pb-2 sm:col-span-1">
            <input type="checkbox" checked={scaleToZero} onChange={(e) => setScaleToZero(e.target.checked)} />
            <span>Scale to zero when idle (the next request waits for a start)</span>
          </label>
        </fieldset>
        <Field id="deploy-people" label="People who may call it" hint="User names, separated by commas. You and admins always may.">
          <input id="deploy-people" className={input} value={people} onChange={(e) => setPeople(e.target.value)} placeholder="bob, carol" />
        </Field>
        <Field
          id="deploy-tokens"
          label="Application tokens who may call it"
          hint="Token ids (Account → Tokens); only that token, not its owner's others."
        >
          <input id="deploy-tokens" className={input} value={tokens} onChange={(e) => setTokens(e.target.value)} placeholder="tok_…" />
        </Field>
        <div className="flex flex-wrap items-center gap-3 sm:col-span-2">
          <Button type="submit" loading={action.busy} data-testid="deploy-submit">
            Deploy
          </Button>
          <Button variant="ghost" onClick={onCancel}>
            Cancel
          </Button>
        </div>
        {error && (
          <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800 sm:col-span-2" data-testid="deploy-error">
            {error}
          </p>
        )}
      </form>
    </Card>
  );
}

/** The Deploy button of a model or version page; the form opens under it. */
export function DeployPanel({ choices, what }: { choices: DeployChoices; what: string }) {
  const [open, setOpen] = useState(false);
  if (open) return <DeployForm choices={choices} onCancel={() => setOpen(false)} />;
  return (
    <div className="flex flex-wrap items-center justify-between gap-3 rounded-xl border border-dashed border-slate-300 bg-white px-5 py-3">
      <p className="text-sm text-slate-600">Serve {what} as an authenticated HTTP endpoint with MLflow&apos;s scoring protocol.</p>
      <Button onClick={() => setOpen(true)} data-testid="deploy-open">
        Deploy
      </Button>
    </div>
  );
}
