/**
 * Every project's allowance beside what it holds, for the admin page `/admin/projects` (docs/projects.md,
 * "Allowances"), where an admin changes one through `PUT /api/projects/<p>/allowance`.
 */
import type { Db } from "@/db/client";
import type { Caller } from "@/lib/auth/access";
import { allowanceOf, projectInUse, type ProjectAllowance, type ProjectInUse } from "./allowance";
import { projectRowsFor } from "./manage";

export interface ProjectAllowanceRow {
  name: string;
  description: string;
  allowance: ProjectAllowance;
  inUse: ProjectInUse;
}

/** Every project (at most MAX_PROJECTS), by name; one at a time, as PGlite has one connection. */
export async function listProjectAllowances(db: Db, admin: Caller): Promise<ProjectAllowanceRow[]> {
  const rows: ProjectAllowanceRow[] = [];
  for (const p of await projectRowsFor(db, admin)) {
    rows.push({ name: p.name, description: p.description, allowance: allowanceOf(p), inUse: await projectInUse(db, p.id) });
  }
  return rows;
}
