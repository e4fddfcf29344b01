"use client";

import { useHealth } from "./queries";

/** Shown while /api/health says the container engine is down; everything else keeps working. */
export function EngineBanner() {
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
      <p>The container engine cannot be reached right now; workspaces can&apos;t start or stop. Everything else works.</p>
    </div>
  );
}
