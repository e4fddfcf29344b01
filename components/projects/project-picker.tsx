"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import type { ProjectRole } from "@/db/schema";
import type { ProjectView } from "@/lib/projects/manage";
import { apiFetch } from "@/components/ui/api";
import { PERSONAL_SPACE_LABEL, ROLES } from "./roles";

/**
 * Where a create form puts what it makes: the personal space (the empty value, the default) or one of the caller's
 * projects where her role reaches `minRole` (editors for experiments, models, jobs and endpoints, users for servers,
 * as docs/projects.md says). The API checks again; this only keeps projects she may not create in off the list.
 * The list is GET /api/projects, where an admin also sees projects she is no member of (no role): she may create
 * anywhere. With no such project the picker shows nothing and the form creates in the personal space.
 */
export function ProjectPicker({
  id,
  value,
  onChange,
  minRole,
  className = "mt-1 w-full rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm",
  label = "Project",
}: {
  id: string;
  value: string;
  onChange: (project: string) => void;
  minRole: Extract<ProjectRole, "user" | "editor">;
  className?: string;
  label?: string;
}) {
  const projects = useQuery({
    queryKey: ["projects"],
    queryFn: () => apiFetch<{ projects: ProjectView[] }>("/api/projects"),
  });
  const choices = (projects.data?.projects ?? []).filter((p) => p.role === undefined || ROLES.indexOf(p.role) >= ROLES.indexOf(minRole));
  // A project asked for by the page (`?project=`) that is not among hers once the list is in: the personal space.
  const unknown = value !== "" && !choices.some((p) => p.name === value);
  const settled = !projects.isPending;
  useEffect(() => {
    if (settled && unknown) onChange("");
  }, [settled, unknown, onChange]);
  if (choices.length === 0 && value === "") return null;
  return (
    <label className="block text-sm" htmlFor={id}>
      <span className="block font-medium text-slate-700">{label}</span>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} className={className} data-testid="project-picker">
        <option value="">{PERSONAL_SPACE_LABEL}</option>
        {unknown && <option value={value}>{value}</option>}
        {choices.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name}
            {p.role ? ` (${p.role})` : ""}
          </option>
        ))}
      </select>
    </label>
  );
}

/** The create request's `project` field: absent for the personal space, so APIs that predate projects still accept it. */
export const projectField = (project: string): { project?: string } => (project === "" ? {} : { project });
