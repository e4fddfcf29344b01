"use client";

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
    <table className="w-full text-left text-sm" data-testid={testId}>
      <thead className="text-xs uppercase text-slate-500">
        <tr>
          {columns.map((c, i) => (
            <th key={`${c}-${i}`} className={i === 0 ? "py-2" : undefined}>
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}
