"use client";

import { useRouter } from "next/navigation";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { useAction } from "@/components/ui/use-action";

/** The accept page's button: POST /api/share-codes/accept, then home, where the server is under "Shared with me". */
export function AcceptShareButton({ code }: { code: string }) {
  const router = useRouter();
  const { busy, error, run } = useAction();
  const accept = () =>
    run(async () => {
      await apiFetch("/api/share-codes/accept", { method: "POST", body: JSON.stringify({ code }) });
      router.push("/");
      router.refresh();
    });
  return (
    <>
      <Button loading={busy} onClick={() => void accept()}>
        Accept
      </Button>
      {error && (
        <p role="alert" className="mt-3 text-sm text-red-700">
          {error}
        </p>
      )}
    </>
  );
}
