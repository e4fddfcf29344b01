"use client";

import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { apiFetch } from "@/components/ui/api";
import type { EnvironmentView } from "@/lib/environments/manage";

const input = "mt-1 w-full rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm";

/** A label, its control (whose id must be `env-<for>`) and a hint the control is described by. */
function Field({ label, for: name, hint, children }: { label: string; for: string; hint?: string; children: ReactNode }) {
  return (
    <div className="text-sm">
      <label htmlFor={`env-${name}`} className="block font-medium text-slate-700">
        {label}
      </label>
      {children}
      {hint && (
        <p id={`env-${name}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}

const optionalNumber = (v: string) => (v.trim() === "" ? null : Number(v));

/** Admins add an environment: POST /api/environments. */
export function AddEnvironmentForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [added, setAdded] = useState<string | null>(null);
  return (
    <form
      data-testid="add-environment"
      className="space-y-4"
      onSubmit={async (e) => {
        e.preventDefault();
        const form = e.currentTarget;
        const f = new FormData(form);
        const text = (k: string) => String(f.get(k) ?? "").trim();
        const lines = (k: string) =>
          text(k)
            .split("\n")
            .map((l) => l.trim())
            .filter(Boolean);
        const command = lines("command");
        const body = {
          id: text("id"),
          name: text("name"),
          description: text("description"),
          image: text("image"),
          command: command.length ? command : null,
          defaultCpu: Number(text("defaultCpu")),
          defaultMemGb: Number(text("defaultMemGb")),
          maxCpu: optionalNumber(text("maxCpu")),
          maxMemGb: optionalNumber(text("maxMemGb")),
          rolesAllowed: text("rolesAllowed")
            .split(",")
            .map((r) => r.trim())
            .filter(Boolean),
          constraints: lines("constraints"),
        };
        setBusy(true);
        setError(null);
        setAdded(null);
        try {
          await apiFetch("/api/environments", { method: "POST", body: JSON.stringify(body) });
          form.reset();
          setAdded(body.name);
          router.refresh();
        } catch (err) {
          setError(err instanceof Error ? err.message : "Could not add the environment.");
        } finally {
          setBusy(false);
        }
      }}
    >
      <div className="grid gap-4 md:grid-cols-2">
        <Field for="id" label="Id" hint="Lower-case letters, digits and '-'; used in the API and cannot change.">
          <input
            id="env-id"
            aria-describedby="env-id-hint"
            name="id"
            required
            pattern="[a-z0-9][a-z0-9\-]{0,63}"
            placeholder="e.g. pytorch"
            className={`${input} font-mono`}
          />
        </Field>
        <Field for="name" label="Name" hint="What people see in the list.">
          <input
            id="env-name"
            aria-describedby="env-name-hint"
            name="name"
            required
            maxLength={100}
            placeholder="e.g. PyTorch 2.5 · JupyterLab"
            className={input}
          />
        </Field>
        <Field for="image" label="Image" hint="An image on this host, e.g. quay.io/jupyter/pytorch-notebook:2024-12-02.">
          <input
            id="env-image"
            aria-describedby="env-image-hint"
            name="image"
            required
            placeholder="registry/name:tag"
            className={`${input} font-mono`}
          />
        </Field>
        <Field for="rolesAllowed" label="Roles allowed" hint="Comma-separated, e.g. power, admin. Empty: all roles.">
          <input
            id="env-rolesAllowed"
            aria-describedby="env-rolesAllowed-hint"
            name="rolesAllowed"
            placeholder="all roles"
            className={input}
          />
        </Field>
        <Field for="description" label="Description">
          <textarea
            id="env-description"
            name="description"
            rows={3}
            maxLength={2000}
            placeholder="What is installed, and what it is for."
            className={input}
          />
        </Field>
        <Field
          for="command"
          label="Command"
          hint="One argument per line; empty uses the image's own command. {baseUrl} and {port} are filled in."
        >
          <textarea
            id="env-command"
            aria-describedby="env-command-hint"
            name="command"
            rows={3}
            placeholder={"jupyter\nlab\n--ServerApp.base_url={baseUrl}"}
            className={`${input} font-mono`}
          />
        </Field>
        <Field
          for="constraints"
          label="Placement constraints"
          hint="Swarm backend only: one per line, e.g. node.labels.gpu==true. Empty: any node."
        >
          <textarea
            id="env-constraints"
            aria-describedby="env-constraints-hint"
            name="constraints"
            rows={2}
            placeholder="node.labels.gpu==true"
            className={`${input} font-mono`}
          />
        </Field>
      </div>
      <div className="grid gap-4 sm:grid-cols-4">
        <Field for="defaultCpu" label="Default CPUs">
          <input id="env-defaultCpu" name="defaultCpu" type="number" required min={0.25} step={0.25} defaultValue={1} className={input} />
        </Field>
        <Field for="defaultMemGb" label="Default memory (GiB)">
          <input
            id="env-defaultMemGb"
            name="defaultMemGb"
            type="number"
            required
            min={0.25}
            step={0.25}
            defaultValue={2}
            className={input}
          />
        </Field>
        <Field for="maxCpu" label="Max CPUs" hint="Empty: the role's limit.">
          <input id="env-maxCpu" aria-describedby="env-maxCpu-hint" name="maxCpu" type="number" min={0.25} step={0.25} className={input} />
        </Field>
        <Field for="maxMemGb" label="Max memory (GiB)" hint="Empty: the role's limit.">
          <input
            id="env-maxMemGb"
            aria-describedby="env-maxMemGb-hint"
            name="maxMemGb"
            type="number"
            min={0.25}
            step={0.25}
            className={input}
          />
        </Field>
      </div>
      <div className="flex items-center gap-4">
        <button
          type="submit"
          disabled={busy}
          className="rounded-lg bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60"
        >
          {busy ? "Adding…" : "Add environment"}
        </button>
        {added && <span className="text-sm text-emerald-700">Added “{added}”.</span>}
      </div>
      {error && (
        <p role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">
          {error}
        </p>
      )}
    </form>
  );
}

/** Deprecate/undeprecate (PUT with every field, as the API takes it) and delete (refused while in use). */
export function EnvironmentActions({ env }: { env: EnvironmentView }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      router.refresh();
    } catch (err) {
      setError(err instanceof Error ? err.message : "That did not work.");
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  const path = `/api/environments/${encodeURIComponent(env.id)}`;
  const toggle = () =>
    run(() =>
      apiFetch(path, {
        method: "PUT",
        body: JSON.stringify({
          name: env.name,
          description: env.description,
          image: env.image,
          command: env.command,
          defaultCpu: env.defaultCpu,
          defaultMemGb: env.defaultMemGb,
          maxCpu: env.maxCpu,
          maxMemGb: env.maxMemGb,
          rolesAllowed: env.rolesAllowed,
          deprecated: !env.deprecated,
        }),
      }),
    );
  const btn = "rounded-md border px-2.5 py-1 text-xs font-medium disabled:opacity-50";
  return (
    <div className="mt-4 border-t border-slate-100 pt-3">
      <div className="flex flex-wrap items-center gap-2">
        <span className="mr-auto text-xs uppercase tracking-wide text-slate-400">Admin</span>
        <button
          type="button"
          disabled={busy}
          onClick={toggle}
          className={`${btn} border-slate-300 bg-white text-slate-700 hover:bg-slate-50`}
        >
          {env.deprecated ? "Undeprecate" : "Deprecate"}
        </button>
        {confirming ? (
          <>
            <span className="text-xs text-slate-600">Delete “{env.name}”?</span>
            <button
              type="button"
              disabled={busy}
              onClick={() => run(() => apiFetch(path, { method: "DELETE" }))}
              className={`${btn} border-red-600 bg-red-600 text-white hover:bg-red-700`}
            >
              Yes, delete
            </button>
            <button
              type="button"
              disabled={busy}
              onClick={() => setConfirming(false)}
              className={`${btn} border-slate-300 bg-white text-slate-700`}
            >
              Cancel
            </button>
          </>
        ) : (
          <button
            type="button"
            disabled={busy}
            onClick={() => setConfirming(true)}
            className={`${btn} border-red-300 bg-white text-red-700 hover:bg-red-50`}
          >
            Delete
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="mt-2 text-xs text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
