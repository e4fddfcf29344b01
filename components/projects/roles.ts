/** The four project roles as the pages name and explain them (docs/projects.md, "The model"). */
import type { ProjectRole } from "@/db/schema";

export const ROLES: readonly ProjectRole[] = ["viewer", "user", "editor", "owner"];

export const ROLE_MEANS: Readonly<Record<ProjectRole, string>> = {
  viewer: "reads everything in the project",
  user: "also starts servers and jobs in it and calls its endpoints",
  editor: "also creates and changes experiments, runs, models, jobs and endpoints",
  owner: "also manages members and settings, and may delete the project",
};

/** Whose space a project picker's empty value stands for. */
export const PERSONAL_SPACE_LABEL = "Personal space (only you)";
