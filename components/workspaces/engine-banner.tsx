"use client";

import { useHealth } from "./queries";

/** The command that starts the engine again (README, "Quick start"). */
export const ENGINE_START_COMMAND = "sudo bash scripts/ensure-docker.sh";

/**
 * Shown while /api/health says the container engine is down; everything else keeps working. An admin is
 * told how to start it again; people are told it is being waited for.
 */
export function EngineBanner({ admin = false }: { admin?: boolean }) {
  const health = useHealth();
  if (health.data?.engine !== "down") return null;
  return (
    <div
      role="status"
      data-testid="engine-banner"
      className="flex items-start gap-3 rounded-xl border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900"
    >
      <span aria-hidden className="mt-0.5 grid h-5 w-5 shrink-0 place-items-center rounded-full bg-amber-400 text-xs font-bold text-white">
        !
      </span>
      <div className="min-w-0 space-y-1">
        <p>The container engine cannot be reached right now; workspaces can&apos;t start or stop. Everything else works.</p>
        {admin && (
          <p data-testid="engine-fix">
            On the portal&apos;s host, start it again with{" "}
            <code className="break-all rounded bg-amber-100 px-1 font-mono">{ENGINE_START_COMMAND}</code>; what was running is listed here
            again once it answers.
          </p>
        )}
      </div>
    </div>
  );
}
