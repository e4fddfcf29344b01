"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/ui/use-action";
import type { EndpointPage } from "./types";

type Grant = NonNullable<EndpointPage["grants"]>[number];

/**
 * The endpoint's grants, for its owner and admins: who besides them may call it, each with "Remove"
 * (DELETE /api/serving/<name>/grants), and a form that grants a person or one API token CAN_QUERY
 * (PATCH /api/2.0/serving-endpoints/<name>/permissions). Both are audited; a refusal is the API's sentence.
 */
export function GrantsEditor({ name, grants }: { name: string; grants: Grant[] }) {
  const client = useQueryClient();
  const action = useAction("The change of who may call it did not go through.");
  const [kind, setKind] = useState<"user" | "token">("user");
  const [who, setWho] = useState("");
  const [removing, setRemoving] = useState<string | null>(null);
  const path = encodeURIComponent(name);
  const refresh = () => client.invalidateQueries({ queryKey: ["serving-endpoint", name] });

  const add = (ev: FormEvent) => {
    ev.preventDefault();
    const value = who.trim();
    if (!value) return;
    void action.run(async () => {
      const grant = kind === "user" ? { user_name: value } : { token_id: value };
      await apiFetch(`/api/2.0/serving-endpoints/${path}/permissions`, {
        method: "PATCH",
        body: JSON.stringify({ access_control_list: [{ ...grant, permission_level: "CAN_QUERY" }] }),
      });
      setWho("");
      await refresh();
    });
  };
  const remove = (g: Grant) => {
    setRemoving(`${g.kind}-${g.id}`);
    void action
      .run(async () => {
        await apiFetch(`/api/serving/${path}/grants`, { method: "DELETE", body: JSON.stringify({ kind: g.kind, id: g.id }) });
        await refresh();
      })
      .finally(() => setRemoving(null));
  };

  return (
    <div className="space-y-4">
      {grants.length === 0 ? (
        <p className="text-sm text-slate-500" data-testid="grants">
          Nobody else yet.
        </p>
      ) : (
        <ul className="divide-y divide-slate-100 text-sm" data-testid="grants">
          {grants.map((g) => (
            <li key={`${g.kind}-${g.id}`} className="flex flex-wrap items-center justify-between gap-2 py-1.5" data-testid="grant">
              <span className="min-w-0 break-all">
                {g.kind === "user" ? (
                  <>
                    <span className="font-medium">{g.name ?? "a deleted account"}</span> <span className="text-slate-500">(person)</span>
                  </>
                ) : (
                  <>
                    token <code className="text-xs">{g.id}</code>{" "}
                    <span className="text-slate-500">{g.token_owner ? `of ${g.token_owner}` : "(revoked)"}</span>
                  </>
                )}
              </span>
              <Button
                size="sm"
                variant="ghost"
                loading={removing === `${g.kind}-${g.id}`}
                disabled={action.busy}
                onClick={() => remove(g)}
                aria-label={`Remove ${g.kind === "user" ? (g.name ?? "the deleted account") : `token ${g.id}`}`}
              >
                Remove
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form onSubmit={add} className="flex flex-wrap items-end gap-2" aria-label="Allow someone to call it">
        <label className="text-sm">
          <span className="block font-medium text-slate-700">Allow</span>
          <select
            value={kind}
            onChange={(ev) => setKind(ev.target.value === "token" ? "token" : "user")}
            className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            data-testid="grant-kind"
          >
            <option value="user">a person</option>
            <option value="token">an API token</option>
          </select>
        </label>
        <label className="min-w-[12rem] flex-1 text-sm">
          <span className="block font-medium text-slate-700">{kind === "user" ? "User name" : "Token id"}</span>
          <input
            value={who}
            onChange={(ev) => setWho(ev.target.value)}
            maxLength={200}
            placeholder={kind === "user" ? "bob" : "tok_…"}
            className="mt-1 w-full rounded-md border border-slate-300 px-2 py-1.5 text-sm"
            data-testid="grant-who"
          />
        </label>
        <Button type="submit" loading={action.busy && removing === null} disabled={!who.trim()} data-testid="grant-add">
          Allow to call
        </Button>
      </form>
      {action.error && (
        <p role="alert" className="rounded-md bg-red-50 p-2 text-sm text-red-800" data-testid="grant-error">
          {action.error}
        </p>
      )}
    </div>
  );
}
