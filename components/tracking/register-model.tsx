"use client";

import { Button } from "@/components/ui/button";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { submitWith } from "@/components/ui/submit-with";
import { CancelButton, SubmitButton } from "./form-controls";
import { apiFetch } from "@/components/ui/api";
import { type WireModelVersion } from "./mlflow";

/**
 * Registers this run's `model` folder as a new version of a registered model, as mlflow.register_model does,
 * through the portal's route, which refuses a folder without an MLmodel file (no empty versions).
 */
async function registerVersion(name: string, runId: string): Promise<WireModelVersion> {
  const res = await apiFetch<{ model_version: WireModelVersion }>(`/api/runs/${runId}/register`, {
    method: "POST",
    body: JSON.stringify({ name, path: "model" }),
  });
  return res.model_version;
}

export function RegisterModel({ runId, suggestedName }: { runId: string; suggestedName: string }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState(suggestedName);
  const client = useQueryClient();
  const register = useMutation({
    mutationFn: () => registerVersion(name.trim(), runId),
    // The models pages may already hold this model in the cache; the new version must show there at once.
    onSuccess: (v) =>
      Promise.all([
        client.invalidateQueries({ queryKey: ["registered-models"] }),
        client.invalidateQueries({ queryKey: ["registered-model", v.name] }),
        client.invalidateQueries({ queryKey: ["model-versions", v.name] }),
      ]),
  });
  if (register.data) {
    const v = register.data;
    return (
      <p className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800 ring-1 ring-emerald-200" data-testid="registered">
        Registered as{" "}
        <Link href={`/models/${encodeURIComponent(v.name)}`} className="font-medium underline">
          {v.name} version {v.version}
        </Link>
        .
      </p>
    );
  }
  if (!open) {
    return (
      <Button variant="secondary" onClick={() => setOpen(true)}>
        Register model
      </Button>
    );
  }
  return (
    <form
      className="flex min-w-0 max-w-full flex-wrap items-center gap-2 rounded-lg bg-white p-3 ring-1 ring-slate-200 [overflow-wrap:anywhere]"
      onSubmit={submitWith(() => register.mutate())}
    >
      <label className="text-sm text-slate-600" htmlFor="model-name">
        Model name
      </label>
      <input
        id="model-name"
        value={name}
        onChange={(e) => setName(e.target.value)}
        className="w-full min-w-0 rounded-md border border-slate-300 px-2 py-1 text-sm sm:w-56"
        autoFocus
      />
      <SubmitButton label="Register" pendingLabel="Registering…" pending={register.isPending} blocked={name.trim() === ""} />
      <CancelButton onClick={() => setOpen(false)} />
      <p className="w-full text-xs text-slate-500">
        Adds a new version whose source is <code>runs:/{runId.slice(0, 8)}…/model</code>. An existing model name gets its next version.
      </p>
      {register.error && (
        <p role="alert" className="w-full text-sm text-red-700" data-testid="register-error">
          {register.error.message}
        </p>
      )}
    </form>
  );
}
