"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { submitWith } from "@/components/ui/submit-with";

const INPUT = "mt-1 w-full rounded-md border border-slate-300 px-3 py-1.5 text-sm";

/** Creates a project through POST /api/projects (its creator becomes its first owner) and opens its page. */
export function NewProjectForm() {
  const router = useRouter();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const create = useMutation({
    mutationFn: () =>
      apiFetch<{ name: string }>("/api/projects", {
        method: "POST",
        body: JSON.stringify({ name: name.trim(), description: description.trim() }),
      }),
    onSuccess: (p) => router.push(`/projects/${encodeURIComponent(p.name)}`),
  });
  return (
    <form
      className="grid gap-3 sm:grid-cols-[16rem_1fr_auto] sm:items-end"
      onSubmit={submitWith(() => create.mutate())}
      data-testid="new-project"
    >
      <Field id="project-name" label="Name" hint="Lower-case letters, digits and '-'; also its MLflow workspace name.">
        <input
          id="project-name"
          aria-describedby="project-name-hint"
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. churn"
          maxLength={63}
          className={INPUT}
        />
      </Field>
      <Field id="project-description" label="Description" hint="Optional: what the team works on.">
        <input
          id="project-description"
          aria-describedby="project-description-hint"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          maxLength={1000}
          className={INPUT}
        />
      </Field>
      <Button type="submit" loading={create.isPending} disabled={name.trim() === ""} className="sm:mb-5">
        Create project
      </Button>
      {create.error && (
        <p className="text-sm text-red-600 sm:col-span-3" role="alert">
          {create.error.message}
        </p>
      )}
    </form>
  );
}
