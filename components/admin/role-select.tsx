"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";

export function RoleSelect({ user, role, roles }: { user: string; role: string; roles: string[] }) {
  const router = useRouter();
  const [value, setValue] = useState(role);
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="inline-flex items-center gap-2">
      <select
        aria-label={`Role of ${user}`}
        value={value}
        onChange={async (e) => {
          const next = e.target.value;
          const prev = value;
          setValue(next);
          setError(null);
          try {
            await apiFetch(`/api/users/${encodeURIComponent(user)}`, { method: "PATCH", body: JSON.stringify({ role: next }) });
            router.refresh();
          } catch (err) {
            setValue(prev);
            setError(err instanceof Error ? err.message : "Could not change the role.");
          }
        }}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
      >
        {roles.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </select>
      {error && <span className="text-xs text-red-600">{error}</span>}
    </span>
  );
}
