"use client";

import { Button } from "@/components/ui/button";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { useAction } from "@/components/ui/use-action";
import { DeleteUserButton, plural } from "./delete-user";

/** On a person's admin page: end all her sessions (she signs in again), or delete her. */
export function AccountActions({ name, sessions }: { name: string; sessions: number }) {
  const router = useRouter();
  const { busy, error, run } = useAction();
  const [notice, setNotice] = useState<string | null>(null);

  const endSessions = () =>
    run(async () => {
      const { revoked } = await apiFetch<{ revoked: number }>(`/api/users/${encodeURIComponent(name)}/sessions`, { method: "DELETE" });
      setNotice(`${plural(revoked, "session")} ended; ${name} has to sign in again.`);
      router.refresh();
    });

  return (
    <div>
      <div className="flex flex-wrap items-center gap-3">
        <Button variant="secondary" disabled={busy || sessions === 0} onClick={() => void endSessions()}>
          End all sessions ({sessions})
        </Button>
        <DeleteUserButton name={name} />
        {notice && <span className="text-sm text-slate-600">{notice}</span>}
      </div>
      {error && (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      )}
    </div>
  );
}
