"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import type { TokenView } from "@/lib/tokens/manage";

export function TokensPanel({ userName }: { userName: string }) {
  const client = useQueryClient();
  const key = ["tokens", userName];
  const base = `/api/users/${encodeURIComponent(userName)}/tokens`;
  const tokens = useQuery({ queryKey: key, queryFn: () => apiFetch<TokenView[]>(base) });
  const [note, setNote] = useState("");
  const [days, setDays] = useState("90");
  const [fresh, setFresh] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () =>
      apiFetch<{ token: string }>(base, {
        method: "POST",
        body: JSON.stringify({ note: note || undefined, expiresInDays: days === "never" ? undefined : Number(days) }),
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
    <div className="space-y-4">
      <form
        className="flex flex-wrap items-end gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label className="flex flex-col text-sm">
          <span className="mb-1 text-slate-600">What is it for?</span>
          <input value={note} onChange={(e) => setNote(e.target.value)} placeholder="e.g. laptop mlflow" maxLength={200} className="w-64 rounded-lg border border-slate-300 px-3 py-1.5" />
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
        <button type="submit" disabled={create.isPending} className="rounded-lg bg-brand-600 px-4 py-1.5 text-sm font-medium text-white hover:bg-brand-700 disabled:opacity-60">
          Create token
        </button>
      </form>
      {create.error && <p className="text-sm text-red-600">{create.error.message}</p>}
      {fresh && (
        <div className="rounded-lg border border-emerald-200 bg-emerald-50 p-3 text-sm" data-testid="new-token">
          <p className="font-medium text-emerald-900">Copy this token now: it is shown only once.</p>
          <code className="mt-2 block break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-800">{fresh}</code>
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
        <p className="text-sm text-slate-500">You have no API tokens. Create one to call the Atrium API or log to MLflow from outside a workspace.</p>
      ) : (
        <table className="w-full text-sm">
          <thead className="text-left text-slate-500">
            <tr>
              <th className="py-1.5 font-medium">Note</th>
              <th className="font-medium">Created</th>
              <th className="font-medium">Last used</th>
              <th className="font-medium">Expires</th>
              <th />
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <td className="py-2">{t.note ?? <span className="text-slate-400">(no note)</span>}</td>
                <td>{new Date(t.createdAt).toLocaleDateString()}</td>
                <td>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : "never"}</td>
                <td className={t.expired ? "text-red-600" : ""}>{t.expiresAt ? `${t.expired ? "expired " : ""}${new Date(t.expiresAt).toLocaleDateString()}` : "never"}</td>
                <td className="text-right">
                  <button type="button" onClick={() => revoke.mutate(t.id)} className="text-red-600 hover:underline">
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
