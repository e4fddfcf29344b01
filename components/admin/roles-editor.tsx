"use client";

import { Button } from "@/components/ui/button";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { useAction } from "@/components/ui/use-action";
import type { Limits } from "@/lib/quota/limits";
import { LIMIT_FIELDS } from "./limit-fields";

type RoleView = Limits & { name: string; people: number };
const cell = "w-24 rounded-md border border-slate-300 bg-white px-2 py-1 text-right text-sm tabular-nums";

function RoleRow({ role, isNew }: { role: RoleView; isNew?: boolean }) {
  const router = useRouter();
  const [name, setName] = useState(role.name);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(LIMIT_FIELDS.map((f) => [f.key, isNew ? "" : String(role[f.key])])),
  );
  const { busy, error, run } = useAction("Could not save the role.");
  const [saved, setSaved] = useState<string | null>(null);
  const label = isNew ? "new role" : role.name;
  const save = async () => {
    setSaved(null);
    // An empty field is left out: the server names a missing required one, and keeps the storage quota and pids limit as they were.
    const body = Object.fromEntries(LIMIT_FIELDS.filter((f) => values[f.key]?.trim()).map((f) => [f.key, Number(values[f.key])]));
    if (!(await run(() => apiFetch(`/api/roles/${encodeURIComponent(name.trim())}`, { method: "PUT", body: JSON.stringify(body) }))))
      return;
    setSaved(isNew ? `Role ${name.trim()} added.` : "Saved; applies from the next start.");
    if (isNew) {
      setName("");
      setValues(Object.fromEntries(LIMIT_FIELDS.map((f) => [f.key, ""])));
    }
    router.refresh();
  };
  const status = error ? { ok: false, text: error } : saved ? { ok: true, text: saved } : null;
  return (
    <tr data-testid={`role-${isNew ? "new" : role.name}`} className={isNew ? "bg-slate-50/60" : undefined}>
      <td className="px-4 py-2.5">
        {isNew ? (
          <input
            aria-label="New role name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. gpu"
            className="w-28 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
          />
        ) : (
          <>
            <div className="font-medium text-slate-900">{role.name}</div>
            <div className="text-xs text-slate-500">
              {role.people} {role.people === 1 ? "person" : "people"}
            </div>
          </>
        )}
      </td>
      {LIMIT_FIELDS.map((f) => (
        <td key={f.key} className="px-2">
          <input
            type="number"
            required
            min={f.integer ? 0 : 0.25}
            step={f.integer ? 1 : 0.25}
            aria-label={`${f.label} for ${label}`}
            value={values[f.key] ?? ""}
            onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
            className={cell}
          />
        </td>
      ))}
      <td className="px-4">
        <div className="flex items-center gap-2">
          <Button size="sm" loading={busy} disabled={isNew && !name.trim()} onClick={() => void save()}>
            {isNew ? "Add" : "Save"}
          </Button>
          {status && (
            <span role="status" className={`text-xs ${status.ok ? "text-emerald-700" : "text-red-600"}`}>
              {status.text}
            </span>
          )}
        </div>
      </td>
    </tr>
  );
}

/** Every role's limits in one table; each row saves with PUT /api/roles/<role>. */
export function RolesEditor({ roles }: { roles: RoleView[] }) {
  const blank: RoleView = {
    name: "",
    people: 0,
    maxCpu: 0,
    maxMemGb: 0,
    maxServers: 0,
    maxTotalCpu: 0,
    maxTotalMemGb: 0,
    maxStorageGb: 0,
    maxPids: 0,
  };
  return (
    <table className="w-full text-sm" data-testid="roles-table">
      <thead className="bg-slate-50 text-left text-slate-500">
        <tr>
          <th className="px-4 py-2.5 font-medium">Role</th>
          {LIMIT_FIELDS.map((f) => (
            <th key={f.key} className="px-2 font-medium" title={f.hint}>
              {f.label}
              <span className="block text-xs font-normal text-slate-400">{f.unit}</span>
            </th>
          ))}
          <th className="px-4" />
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {roles.map((r) => (
          // Keyed by name only: a refresh after saving must not remount the row and drop its "Saved" note.
          <RoleRow key={r.name} role={r} />
        ))}
        <RoleRow key="new" role={blank} isNew />
      </tbody>
    </table>
  );
}
