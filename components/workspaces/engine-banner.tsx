"use client";

import { WarningBanner } from "@/components/ui/warning-banner";
import { useHealth } from "./queries";

/** The command that starts the engine again (README, "Quick start"). */
const ENGINE_START_COMMAND = "sudo bash scripts/ensure-docker.sh";

/**
 * Shown while /api/health says the container engine is down; everything else keeps working. An admin is
 * told how to start it again; people are told it is being waited for.
 */
export function EngineBanner({ admin = false }: { admin?: boolean }) {
  const health = useHealth();
  if (health.data?.engine !== "down") return null;
  return (
    <WarningBanner testId="engine-banner">
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
    </WarningBanner>
  );
}
