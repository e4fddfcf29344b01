"use client";

import { Button, type ButtonVariant } from "@/components/ui/button";
import { useRouter } from "next/navigation";
import { useState, type InputHTMLAttributes } from "react";
import { apiFetch } from "@/components/ui/api";
import { Field } from "@/components/ui/field";
import { useAction } from "@/components/ui/use-action";
import type { EnvironmentView } from "@/lib/environments/manage";

const input = "mt-1 w-full rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm";
const size = { type: "number", min: 0.25, step: 0.25 } as const;

/** One field of the form: a textarea when it has `rows`, else an input; its id is `env-<name>`. */
interface FieldSpec {
  name: string;
  label: string;
  hint?: string;
  rows?: number;
  mono?: boolean;
  attrs?: Pick<
    InputHTMLAttributes<HTMLInputElement>,
    "required" | "pattern" | "placeholder" | "maxLength" | "type" | "min" | "step" | "defaultValue"
  >;
}

const TEXT_FIELDS: FieldSpec[] = [
  {
    name: "id",
    label: "Id",
    hint: "Lower-case letters, digits and '-'; used in the API and cannot change.",
    mono: true,
    attrs: { required: true, pattern: "[a-z0-9][a-z0-9\\-]{0,63}", placeholder: "e.g. pytorch" },
  },
  {
    name: "name",
    label: "Name",
    hint: "What people see in the list.",
    attrs: { required: true, maxLength: 100, placeholder: "e.g. PyTorch 2.5 · JupyterLab" },
  },
  {
    name: "image",
    label: "Image",
    hint: "An image on this host, e.g. quay.io/jupyter/pytorch-notebook:2024-12-02.",
    mono: true,
    attrs: { required: true, placeholder: "registry/name:tag" },
  },
  {
    name: "rolesAllowed",
    label: "Roles allowed",
    hint: "Comma-separated, e.g. power, admin. Empty: all roles.",
    attrs: { placeholder: "all roles" },
  },
  { name: "description", label: "Description", rows: 3, attrs: { maxLength: 2000, placeholder: "What is installed, and what it is for." } },
  {
    name: "command",
    label: "Command",
    hint: "One argument per line; empty uses the image's own command. {baseUrl} and {port} are filled in.",
    rows: 3,
    mono: true,
    attrs: { placeholder: "jupyter\nlab\n--ServerApp.base_url={baseUrl}" },
  },
  {
    name: "constraints",
    label: "Placement constraints",
    hint: "Swarm backend only: one per line, e.g. node.labels.gpu==true. Empty: any node.",
    rows: 2,
    mono: true,
    attrs: { placeholder: "node.labels.gpu==true" },
  },
];

const SIZE_FIELDS: FieldSpec[] = [
  { name: "defaultCpu", label: "Default CPUs", attrs: { ...size, required: true, defaultValue: 1 } },
  { name: "defaultMemGb", label: "Default memory (GiB)", attrs: { ...size, required: true, defaultValue: 2 } },
  { name: "maxCpu", label: "Max CPUs", hint: "Empty: the role's limit.", attrs: size },
  { name: "maxMemGb", label: "Max memory (GiB)", hint: "Empty: the role's limit.", attrs: size },
];

function SpecField({ spec }: { spec: FieldSpec }) {
  const id = `env-${spec.name}`;
  const control = {
    id,
    name: spec.name,
    "aria-describedby": spec.hint ? `${id}-hint` : undefined,
    className: spec.mono ? `${input} font-mono` : input,
  };
  return (
    <Field id={id} label={spec.label} hint={spec.hint}>
      {spec.rows ? <textarea {...control} rows={spec.rows} {...spec.attrs} /> : <input {...control} {...spec.attrs} />}
    </Field>
  );
}

const optionalNumber = (v: string) => (v.trim() === "" ? null : Number(v));

/** Admins add an environment: POST /api/environments. */
export function AddEnvironmentForm() {
  const router = useRouter();
  const { busy, error, run } = useAction("Could not add the environment.");
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
        const list = (k: string, by: string) =>
          text(k)
            .split(by)
            .map((l) => l.trim())
            .filter(Boolean);
        const command = list("command", "\n");
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
          rolesAllowed: list("rolesAllowed", ","),
          constraints: list("constraints", "\n"),
        };
        setAdded(null);
        if (await run(() => apiFetch("/api/environments", { method: "POST", body: JSON.stringify(body) }))) {
          form.reset();
          setAdded(body.name);
          router.refresh();
        }
      }}
    >
      <div className="grid gap-4 md:grid-cols-2">
        {TEXT_FIELDS.map((f) => (
          <SpecField key={f.name} spec={f} />
        ))}
      </div>
      <div className="grid gap-4 sm:grid-cols-4">
        {SIZE_FIELDS.map((f) => (
          <SpecField key={f.name} spec={f} />
        ))}
      </div>
      <div className="flex items-center gap-4">
        <Button type="submit" loading={busy}>
          {busy ? "Adding…" : "Add environment"}
        </Button>
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
  const { busy, error, run: request } = useAction();
  const [confirming, setConfirming] = useState(false);
  const run = async (fn: () => Promise<unknown>) => {
    if (await request(fn)) router.refresh();
    setConfirming(false);
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
  const button = (label: string, variant: ButtonVariant, onClick: () => unknown) => (
    <Button size="sm" variant={variant} disabled={busy} onClick={onClick}>
      {label}
    </Button>
  );
  return (
    <div className="mt-4 border-t border-slate-100 pt-3">
      <div className="flex flex-wrap items-center gap-2">
        <span className="mr-auto text-xs uppercase tracking-wide text-slate-400">Admin</span>
        {button(env.deprecated ? "Undeprecate" : "Deprecate", "secondary", toggle)}
        {env.seeded ? (
          <span className="text-xs text-slate-500" data-testid="seeded-note">
            Made by the portal at start-up; deprecate it rather than delete it.
          </span>
        ) : confirming ? (
          <>
            <span className="text-xs text-slate-600">Delete “{env.name}”?</span>
            {button("Yes, delete", "danger", () => run(() => apiFetch(path, { method: "DELETE" })))}
            {button("Cancel", "secondary", () => setConfirming(false))}
          </>
        ) : (
          button("Delete", "danger-outline", () => setConfirming(true))
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
