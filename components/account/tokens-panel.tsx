"use client";

import { CopyButton } from "@/components/ui/copy-button";
import { Button } from "@/components/ui/button";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { DataTable } from "@/components/ui/data-table";
import { formatDateTime } from "@/components/ui/dates";
import { submitWith } from "@/components/ui/submit-with";
import { expandScopes, SCOPE_NAMES, SCOPES, type ScopeName } from "@/lib/auth/scopes";
import type { TokenView } from "@/lib/tokens/manage";

/** A token made by hand is most often for the MLflow client; anything more is ticked on purpose. */
const DEFAULT_PICK: readonly ScopeName[] = ["mlflow"];

/** `admin`: the person is an admin, so the admin scope is offered too. */
export function TokensPanel({ userName, admin }: { userName: string; admin: boolean }) {
  const client = useQueryClient();
  const key = ["tokens", userName];
  const base = `/api/users/${encodeURIComponent(userName)}/tokens`;
  const tokens = useQuery({ queryKey: key, queryFn: () => apiFetch<TokenView[]>(base) });
  const [note, setNote] = useState("");
  const [days, setDays] = useState("90");
  const [fresh, setFresh] = useState<string | null>(null);
  const [picked, setPicked] = useState<ReadonlySet<ScopeName>>(new Set(DEFAULT_PICK));
  // What the ticked scopes include is shown ticked and greyed: it comes with them anyway.
  const included = new Set(expandScopes([...picked]));
  const offered = SCOPE_NAMES.filter((s) => admin || !SCOPES[s].adminOnly);
  const toggle = (s: ScopeName, on: boolean) => {
    const next = new Set(picked);
    if (on) next.add(s);
    else next.delete(s);
    setPicked(next);
  };
  const create = useMutation({
    mutationFn: () =>
      apiFetch<{ token: string }>(base, {
        method: "POST",
        body: JSON.stringify({
          note: note || undefined,
          expiresInDays: days === "never" ? undefined : Number(days),
          scopes: SCOPE_NAMES.filter((s) => picked.has(s)),
        }),
      }),
    onSuccess: (r) => {
      setFresh(r.token);
      setNote("");
      void client.invalidateQueries({ queryKey: key });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => apiFetch<void>(`${base}/${id}`, { method: "DELETE" }),
    onSuccess: () => void client.invalidateQueries({ queryKey: key }),
  });

  return (
    <div className="space-y-4" data-testid="tokens-panel">
      <form className="space-y-3" onSubmit={submitWith(() => create.mutate())}>
        <div className="flex flex-wrap items-end gap-3">
          <label className="flex flex-col text-sm">
            <span className="mb-1 text-slate-600">What is it for?</span>
            <input
              value={note}
              onChange={(e) => setNote(e.target.value)}
              placeholder="e.g. laptop mlflow"
              maxLength={200}
              className="w-64 rounded-lg border border-slate-300 px-3 py-1.5"
            />
          </label>
          <label className="flex flex-col text-sm">
            <span className="mb-1 text-slate-600">Expires</span>
            <select value={days} onChange={(e) => setDays(e.target.value)} className="rounded-lg border border-slate-300 px-3 py-1.5">
              <option value="7">in 7 days</option>
              <option value="30">in 30 days</option>
              <option value="90">in 90 days</option>
              <option value="365">in a year</option>
              <option value="never">never</option>
            </select>
          </label>
          <Button type="submit" loading={create.isPending} disabled={picked.size === 0}>
            Create token
          </Button>
        </div>
        <fieldset className="rounded-lg border border-slate-200 px-3 py-2">
          <legend className="px-1 text-sm text-slate-600">What may it do?</legend>
          <ul className="grid gap-x-6 gap-y-1.5 sm:grid-cols-2">
            {offered.map((s) => {
              const implied = included.has(s) && !picked.has(s);
              return (
                <li key={s} className="flex items-start gap-2 text-sm">
                  <input
                    id={`scope-${s}`}
                    type="checkbox"
                    className="mt-1"
                    checked={included.has(s)}
                    disabled={implied}
                    onChange={(e) => toggle(s, e.target.checked)}
                    aria-describedby={`scope-${s}-summary`}
                  />
                  <span>
                    <label htmlFor={`scope-${s}`} className="font-mono text-slate-900">
                      {s}
                    </label>
                    <span id={`scope-${s}-summary`} className="block text-xs text-slate-500">
                      {SCOPES[s].summary}
                    </span>
                  </span>
                </li>
              );
            })}
          </ul>
        </fieldset>
      </form>
      {create.error && <p className="text-sm text-red-600">{create.error.message}</p>}
      {fresh && (
        <div className="rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm" data-testid="new-token">
          <p className="font-medium text-emerald-900">Copy this token now: it is shown only once.</p>
          <div className="mt-2 flex items-center gap-2">
            <code className="block min-w-0 flex-1 break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-800">{fresh}</code>
            <CopyButton text={fresh} testId="copy-token" />
          </div>
          <p className="mt-2 text-emerald-800">
            Use it as <code>Authorization: Bearer …</code>, or as <code>MLFLOW_TRACKING_TOKEN</code> outside Atrium.
          </p>
        </div>
      )}
      {tokens.isPending ? (
        <p className="text-sm text-slate-500">Loading tokens…</p>
      ) : tokens.error ? (
        <p className="text-sm text-red-600">{tokens.error.message}</p>
      ) : tokens.data.length === 0 ? (
        <p className="text-sm text-slate-500">
          You have no API tokens. Create one to call the Atrium API or log to MLflow from outside a workspace.
        </p>
      ) : (
        <DataTable
          columns={["Note", "Scopes", "Created", "Last used", "Expires", ""]}
          head="text-left text-slate-500"
          cell="font-medium first:py-1.5"
        >
          {tokens.data.map((t) => (
            <tr key={t.id}>
              <td className="py-2">{t.note ?? <span className="text-slate-400">(no note)</span>}</td>
              <td>
                <span className="flex flex-wrap gap-1">
                  {t.scopes.map((s) => (
                    <span key={s} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700">
                      {s}
                    </span>
                  ))}
                </span>
              </td>
              <td>{formatDateTime(t.createdAt)}</td>
              <td>{t.lastUsedAt ? formatDateTime(t.lastUsedAt) : "never"}</td>
              <td className={t.expired ? "text-red-600" : ""}>
                {t.expiresAt ? `${t.expired ? "expired " : ""}${formatDateTime(t.expiresAt)}` : "never"}
              </td>
              <td className="text-right">
                <Button variant="link-danger" onClick={() => revoke.mutate(t.id)}>
                  Revoke
                </Button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </div>
  );
}
