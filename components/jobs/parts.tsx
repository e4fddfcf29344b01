"use client";

import { DataTable } from "@/components/ui/data-table";
import { useState, type ReactNode } from "react";

/** busy and the last error of one request at a time, for the jobs' forms and buttons. */
export function useJobRequest() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = async (request: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await request();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

export function RequestError({ error }: { error: string | undefined }) {
  if (!error) return null;
  return (
    <p className="text-sm text-red-700" role="alert">
      {error}
    </p>
  );
}

/** The jobs pages' tables: `empty` instead when there are no rows. */
export function JobTable({ testId, columns, empty, children }: { testId: string; columns: string[]; empty?: string; children: ReactNode }) {
  if (empty !== undefined) return <p className="text-sm text-slate-500">{empty}</p>;
  return (
    <DataTable testId={testId} columns={columns} head="text-left text-xs uppercase text-slate-500" cell="py-2 pr-3">
      {children}
    </DataTable>
  );
}
