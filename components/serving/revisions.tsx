"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DataTable } from "@/components/ui/data-table";
import { formatDateTime } from "@/components/ui/dates";
import { useAction } from "@/components/ui/use-action";
import type { EndpointPage, RevisionView } from "./types";

function describe(r: RevisionView): string {
  return r.served_entities
    .map((s) => {
      const traffic = r.routes.find((x) => x.served_entity_name === s.name)?.traffic_percentage;
      const share = r.shadow_entity_name === s.name ? "shadow" : `${traffic ?? 0} %`;
      return `${s.model} v${s.version}${s.alias ? ` (@${s.alias})` : ""} · ${share}`;
    })
    .join(", ");
}

/** Every config revision, newest first; its owner may roll back to an earlier one, which becomes a new revision. */
export function Revisions({ name, page }: { name: string; page: EndpointPage }) {
  const client = useQueryClient();
  const [confirming, setConfirming] = useState<number | null>(null);
  const action = useAction("The rollback did not go through.");
  const current = page.revisions.find((r) => r.role === "pending") ?? page.revisions.find((r) => r.role === "active");
  // The pending revision's rollout ended without it serving (the reconciler's reason is on the rollout card).
  const failedRollout = page.endpoint.state.config_update === "UPDATE_FAILED";
  const rollBack = (r: RevisionView) =>
    action.run(async () => {
      await apiFetch(`/api/2.0/serving-endpoints/${encodeURIComponent(name)}/config`, { method: "PUT", body: JSON.stringify(r.config) });
      setConfirming(null);
      await client.invalidateQueries({ queryKey: ["serving-endpoint", name] });
    });
  return (
    <Card
      title="Revisions"
      description="Each change of what the endpoint serves is a new revision; none is ever edited. Rolling back applies an earlier revision's config again, as a new revision, with the same rollout."
    >
      {action.error && (
        <p role="alert" className="mb-3 rounded-md bg-red-50 p-2 text-sm text-red-800" data-testid="rollback-error">
          {action.error}
        </p>
      )}
      <DataTable
        testId="revisions"
        columns={["Revision", "Serves", "By", "When", ""]}
        head="text-left text-slate-500"
        cell="py-1.5 pr-4 font-medium"
      >
        {page.revisions.map((r) => (
          <tr key={r.version} data-testid={`revision-${r.version}`}>
            <td className="whitespace-nowrap py-2 pr-4 tabular-nums">
              {r.version}
              {r.role && (
                <span
                  className={`ml-2 rounded px-1.5 text-xs ${r.role === "active" ? "bg-emerald-100 text-emerald-800" : failedRollout ? "bg-red-100 text-red-800" : "bg-amber-100 text-amber-800"}`}
                >
                  {r.role === "active" ? "serving" : failedRollout ? "failed" : "rolling out"}
                </span>
              )}
            </td>
            <td className="pr-4 text-slate-700">{describe(r)}</td>
            <td className="pr-4 text-slate-600">{r.created_by}</td>
            <td className="whitespace-nowrap pr-4 text-slate-600">{formatDateTime(r.created_at)}</td>
            <td className="whitespace-nowrap">
              {page.may_manage &&
                current &&
                r.version !== current.version &&
                r.role === null &&
                (confirming === r.version ? (
                  <span className="flex flex-wrap items-center gap-2">
                    <span className="text-xs text-slate-600">Serve revision {r.version}&apos;s config again?</span>
                    <Button
                      size="sm"
                      variant="danger"
                      loading={action.busy}
                      onClick={() => void rollBack(r)}
                      data-testid="confirm-rollback"
                    >
                      Roll back
                    </Button>
                    <Button size="sm" variant="ghost" onClick={() => setConfirming(null)}>
                      Cancel
                    </Button>
                  </span>
                ) : (
                  <Button size="sm" variant="secondary" onClick={() => setConfirming(r.version)} data-testid={`rollback-${r.version}`}>
                    Roll back to this
                  </Button>
                ))}
            </td>
          </tr>
        ))}
      </DataTable>
      {page.revisions.length >= 50 && <p className="mt-2 text-xs text-slate-500">The newest 50 revisions are listed.</p>}
    </Card>
  );
}
