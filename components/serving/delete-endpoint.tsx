"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { useAction } from "@/components/ui/use-action";

/**
 * Deleting an endpoint, for its managers: a confirmation that says what goes (the URL stops answering, its replicas
 * stop) and what stays (the request log until its retention), then the serving-endpoints API's DELETE.
 */
export function DeleteEndpoint({ name }: { name: string }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const action = useAction(`The endpoint ${name} could not be deleted.`);
  const remove = async () => {
    const ok = await action.run(() => apiFetch(`/api/2.0/serving-endpoints/${encodeURIComponent(name)}`, { method: "DELETE" }));
    if (ok) router.push("/serving");
  };
  return (
    <Card
      title="Delete this endpoint"
      description="Its URL stops answering and its replicas stop. Its request log is kept until its retention ends."
    >
      {confirming ? (
        <div className="flex flex-wrap items-center gap-2">
          <span className="text-sm text-slate-700">Delete {name} now? Callers get 404 from then on.</span>
          <Button variant="danger" size="sm" loading={action.busy} onClick={() => void remove()} data-testid="confirm-delete">
            Delete
          </Button>
          <Button variant="ghost" size="sm" onClick={() => setConfirming(false)}>
            Cancel
          </Button>
        </div>
      ) : (
        <Button variant="secondary" size="sm" onClick={() => setConfirming(true)} data-testid="delete-endpoint">
          Delete endpoint…
        </Button>
      )}
      {action.error && (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {action.error}
        </p>
      )}
    </Card>
  );
}
