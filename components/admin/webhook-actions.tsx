"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/ui/use-action";
import { mlflowPatch, mlflowPost } from "@/components/tracking/mlflow";

interface TestResult {
  success: boolean;
  response_status?: number;
  error_message?: string;
}

/** A webhook's buttons on the admin page: send a test now (MLflow's test_webhook), enable or disable it (update_webhook). */
export function WebhookActions({ id, active }: { id: string; active: boolean }) {
  const router = useRouter();
  const { busy, error, run } = useAction();
  const [notice, setNotice] = useState<string | null>(null);

  const sendTest = () =>
    run(async () => {
      setNotice(null);
      const { result } = await mlflowPost<{ result: TestResult }>(`webhooks/${id}/test`, {});
      setNotice(
        result.success
          ? `Test delivered: the receiver answered ${result.response_status}.`
          : result.response_status !== undefined
            ? `Test not accepted: the receiver answered ${result.response_status}.`
            : (result.error_message ?? "The test could not be sent."),
      );
      router.refresh();
    });

  const toggle = () =>
    run(async () => {
      setNotice(null);
      await mlflowPatch(`webhooks/${id}`, { status: active ? "DISABLED" : "ACTIVE" });
      router.refresh();
    });

  return (
    <div className="flex max-w-xs flex-col gap-1.5 sm:items-end">
      <div className="flex gap-2">
        <Button variant="secondary" size="sm" disabled={busy} onClick={() => void sendTest()} data-testid="webhook-test">
          Send a test
        </Button>
        <Button variant="secondary" size="sm" disabled={busy} onClick={() => void toggle()} data-testid="webhook-toggle">
          {active ? "Disable" : "Enable"}
        </Button>
      </div>
      {notice && (
        <p className="text-xs text-slate-600 sm:text-right" data-testid="webhook-notice" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p role="alert" className="text-xs text-red-700 sm:text-right">
          {error}
        </p>
      )}
    </div>
  );
}
