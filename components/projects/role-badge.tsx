import type { ProjectRole } from "@/db/schema";
import { ROLE_MEANS } from "./roles";

const TONES: Readonly<Record<ProjectRole, string>> = {
  viewer: "bg-slate-100 text-slate-700",
  user: "bg-sky-100 text-sky-800",
  editor: "bg-emerald-100 text-emerald-800",
  owner: "bg-amber-100 text-amber-900",
};

/** A role as a small badge whose title says what it may do; no role: an admin who is not a member. */
export function RoleBadge({ role }: { role: ProjectRole | undefined }) {
  if (!role) {
    return (
      <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-600" title="You see it as an admin">
        admin
      </span>
    );
  }
  return (
    <span className={`rounded px-1.5 py-0.5 text-xs font-medium ${TONES[role]}`} title={`${role}: ${ROLE_MEANS[role]}`}>
      {role}
    </span>
  );
}
