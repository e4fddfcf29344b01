"use client";

import { Button } from "@/components/ui/button";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { useAction } from "@/components/ui/use-action";
import { submitWith } from "@/components/ui/submit-with";
import type { LimitOverrides } from "@/db/schema";
import type { Limits } from "@/lib/quota/limits";
import { LIMIT_FIELDS } from "./limit-fields";

/**
 * Per-person limits: an empty field means "the role's value" (shown as the placeholder); a number
 * overrides it. Saved with PATCH /api/users/<name> { limits }, where null removes an override.
 */
export function OverridesEditor({
  user,
  role,
  roleLimits,
  overrides,
}: {
  user: string;
  role: string;
  roleLimits: Limits;
  overrides: LimitOverrides;
}) {
  const router = useRouter();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(LIMIT_FIELDS.map((f) => [f.key, overrides[f.key] === undefined ? "" : String(overrides[f.key])])),
  );
  const { busy, error, run } = useAction("Could not save the limits.");
  const [saved, setSaved] = useState<string | null>(null);

  const save = async (limits: Record<string, number | null> | null) => {
    setSaved(null);
    if (!(await run(() => apiFetch(`/api/users/${encodeURIComponent(user)}`, { method: "PATCH", body: JSON.stringify({ limits }) }))))
      return;
    if (limits === null) setValues(Object.fromEntries(LIMIT_FIELDS.map((f) => [f.key, ""])));
    setSaved(limits === null ? `${user} now has the limits of role ${role}.` : "Saved. The next start is checked against these limits.");
    router.refresh();
  };
  const status = error ? { ok: false, text: error } : saved ? { ok: true, text: saved } : null;

  return (
    <form
      data-testid="overrides-editor"
      className="space-y-4"
      onSubmit={submitWith(
        () => void save(Object.fromEntries(LIMIT_FIELDS.map((f) => [f.key, values[f.key]?.trim() ? Number(values[f.key]) : null]))),
      )}
    >
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
        {LIMIT_FIELDS.map((f) => (
          <label key={f.key} className="block text-sm">
            <span className="font-medium text-slate-700">{f.label}</span>
            <input
              type="number"
              min={0}
              step={f.integer ? 1 : 0.25}
              value={values[f.key] ?? ""}
              placeholder={`${roleLimits[f.key]} (role)`}
              onChange={(e) => setValues((v) => ({ ...v, [f.key]: e.target.value }))}
              className="mt-1 w-full rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm tabular-nums"
            />
            <span className="mt-1 block text-xs text-slate-500">
              {f.unit}; role {role}: {roleLimits[f.key]}
            </span>
          </label>
        ))}
      </div>
      <div className="flex items-center gap-3">
        <Button type="submit" loading={busy}>
          Save limits
        </Button>
        <Button variant="secondary" disabled={busy} onClick={() => void save(null)}>
          Use the role&apos;s limits
        </Button>
        {status && (
          <span role="status" className={`text-sm ${status.ok ? "text-emerald-700" : "text-red-600"}`}>
            {status.text}
          </span>
        )}
      </div>
    </form>
  );
}
