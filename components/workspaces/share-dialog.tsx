"use client";

import { CopyButton } from "@/components/ui/copy-button";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { formatDateTime } from "@/components/ui/dates";
import { submitWith } from "@/components/ui/submit-with";
import type { ShareCodeView, ShareView } from "@/lib/sharing/view";

type Listing<T> = { items: T[] };
type MadeCode = ShareCodeView & { code: string; accept_url: string };

const EXPIRIES = [
  { label: "1 hour", seconds: 3600 },
  { label: "1 day", seconds: 86_400 },
  { label: "7 days", seconds: 7 * 86_400 },
] as const;

const granteeLabel = (s: ShareView) => (s.group ? `group ${s.group.name}` : (s.user?.name ?? "a deleted person"));

/**
 * "Share…" on the server page and the dialog it opens (docs/sharing.md): add a person or an SSO group, see
 * who has access and revoke it, make a single-use link with an expiry. `workspaceHost`: whether shared
 * people can open it at all (they cannot on the portal's own origin).
 */
export function ShareDialog({ user, server, workspaceHost }: { user: string; server: string; workspaceHost: boolean }) {
  const client = useQueryClient();
  const [open, setOpen] = useState(false);
  const [kind, setKind] = useState<"user" | "group">("user");
  const [who, setWho] = useState("");
  const [expiry, setExpiry] = useState<number>(86_400);
  const [made, setMade] = useState<MadeCode | null>(null);
  const path = `${encodeURIComponent(user)}/${encodeURIComponent(server)}`;
  const sharesKey = ["shares", user, server];
  const codesKey = ["share-codes", user, server];
  const shares = useQuery({ queryKey: sharesKey, queryFn: () => apiFetch<Listing<ShareView>>(`/api/shares/${path}`), enabled: open });
  const codes = useQuery({
    queryKey: codesKey,
    queryFn: () => apiFetch<Listing<ShareCodeView>>(`/api/share-codes/${path}`),
    enabled: open,
  });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: sharesKey });
    void client.invalidateQueries({ queryKey: codesKey });
  };
  const add = useMutation({
    mutationFn: () => apiFetch<ShareView>(`/api/shares/${path}`, { method: "POST", body: JSON.stringify({ [kind]: who.trim() }) }),
    onSuccess: () => {
      setWho("");
      refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (s: ShareView) =>
      apiFetch<void>(`/api/shares/${path}`, {
        method: "DELETE",
        body: JSON.stringify(s.group ? { group: s.group.name } : { user: s.user?.name }),
      }),
    onSuccess: refresh,
  });
  const makeCode = useMutation({
    mutationFn: () => apiFetch<MadeCode>(`/api/share-codes/${path}`, { method: "POST", body: JSON.stringify({ expires_in: expiry }) }),
    onSuccess: (c) => {
      setMade(c);
      refresh();
    },
  });
  const dropCode = useMutation({
    mutationFn: (id: string) => apiFetch<void>(`/api/share-codes/${path}?id=${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: refresh,
  });
  const failure = add.error ?? revoke.error ?? makeCode.error ?? dropCode.error ?? shares.error ?? codes.error;

  return (
    <>
      <Button variant="secondary" onClick={() => setOpen(true)}>
        Share…
      </Button>
      {open && (
        <div className="fixed inset-0 z-50 flex items-start justify-center overflow-y-auto bg-slate-900/40 p-4 sm:items-center">
          <div
            role="dialog"
            aria-modal="true"
            aria-labelledby="share-title"
            className="w-full max-w-lg rounded-xl bg-white p-5 shadow-xl sm:p-6"
          >
            <h2 id="share-title" className="text-lg font-semibold text-slate-900">
              Share {user}/{server}
            </h2>
            <p className="mt-1 text-sm text-slate-600">
              People you share with can open this workspace while it runs, see its files and run code in it as {user}. They cannot stop,
              restart or share it.
            </p>
            {!workspaceHost && (
              <p role="note" className="mt-3 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
                This installation serves workspaces on the portal&apos;s own address, where a script in the workspace would act as the
                visitor. Shared people can open it only once an operator sets ATRIUM_WORKSPACE_HOST (or with an API token).
              </p>
            )}

            <form className="mt-4 flex flex-wrap items-end gap-2" onSubmit={submitWith(() => add.mutate())}>
              <label className="flex flex-col text-sm">
                <span className="mb-1 text-slate-600">Share with</span>
                <select
                  value={kind}
                  onChange={(e) => setKind(e.target.value === "group" ? "group" : "user")}
                  className="rounded-lg border border-slate-300 px-2 py-1.5"
                >
                  <option value="user">a person</option>
                  <option value="group">an SSO group</option>
                </select>
              </label>
              <label className="flex min-w-0 flex-1 flex-col text-sm">
                <span className="mb-1 text-slate-600">{kind === "user" ? "User name" : "Group name"}</span>
                <input
                  value={who}
                  onChange={(e) => setWho(e.target.value)}
                  placeholder={kind === "user" ? "e.g. bob" : "e.g. data-science"}
                  maxLength={256}
                  className="w-full rounded-lg border border-slate-300 px-3 py-1.5"
                />
              </label>
              <Button type="submit" loading={add.isPending} disabled={who.trim() === ""}>
                Share
              </Button>
            </form>

            <h3 className="mt-5 text-sm font-semibold text-slate-900">Who has access</h3>
            <ul className="mt-2 divide-y divide-slate-100 rounded-lg border border-slate-200 text-sm" data-testid="share-list">
              <li className="flex items-center justify-between gap-2 px-3 py-2">
                <span>
                  {user} <span className="text-slate-500">(owner)</span>
                </span>
              </li>
              {(shares.data?.items ?? []).map((s) => (
                <li key={`${s.kind}:${granteeLabel(s)}`} className="flex items-center justify-between gap-2 px-3 py-2">
                  <span className="min-w-0 truncate">{granteeLabel(s)}</span>
                  <Button
                    variant="link-danger"
                    disabled={revoke.isPending}
                    onClick={() => revoke.mutate(s)}
                    aria-label={`Revoke ${granteeLabel(s)}`}
                  >
                    Revoke
                  </Button>
                </li>
              ))}
            </ul>

            <h3 className="mt-5 text-sm font-semibold text-slate-900">Share link</h3>
            <p className="mt-1 text-sm text-slate-600">Anyone signed in who opens it first gets access; it works once.</p>
            <div className="mt-2 flex flex-wrap items-end gap-2">
              <label className="flex flex-col text-sm">
                <span className="mb-1 text-slate-600">Expires in</span>
                <select
                  value={expiry}
                  onChange={(e) => setExpiry(Number(e.target.value))}
                  className="rounded-lg border border-slate-300 px-2 py-1.5"
                >
                  {EXPIRIES.map((e) => (
                    <option key={e.seconds} value={e.seconds}>
                      {e.label}
                    </option>
                  ))}
                </select>
              </label>
              <Button variant="secondary" loading={makeCode.isPending} onClick={() => makeCode.mutate()}>
                Make link
              </Button>
            </div>
            {made && (
              <div className="mt-2 flex items-center gap-2">
                <input
                  readOnly
                  value={made.accept_url}
                  aria-label="Share link"
                  data-testid="share-link"
                  onFocus={(e) => e.currentTarget.select()}
                  className="min-w-0 flex-1 rounded-lg border border-slate-300 bg-slate-50 px-3 py-1.5 font-mono text-xs"
                />
                <CopyButton text={made.accept_url} testId="copy-share-link" />
              </div>
            )}
            {(codes.data?.items.length ?? 0) > 0 && (
              <ul className="mt-2 space-y-1 text-sm text-slate-600">
                {codes.data?.items.map((c) => (
                  <li key={c.id} className="flex items-center justify-between gap-2">
                    <span>Unused link, expires {formatDateTime(c.expires_at)}</span>
                    <Button variant="link-danger" disabled={dropCode.isPending} onClick={() => dropCode.mutate(c.id)}>
                      Delete
                    </Button>
                  </li>
                ))}
              </ul>
            )}

            {failure && (
              <p role="alert" className="mt-3 text-sm text-red-700">
                {failure.message}
              </p>
            )}
            <div className="mt-6 flex justify-end">
              <Button variant="secondary" onClick={() => setOpen(false)}>
                Close
              </Button>
            </div>
          </div>
        </div>
      )}
    </>
  );
}
