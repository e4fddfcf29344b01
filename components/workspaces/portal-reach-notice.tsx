import { WarningBanner } from "@/components/ui/warning-banner";

/**
 * Shown where a person expects a notebook to log to the portal (Experiments, a server's page) when no
 * workspace can reach it: why, and the fix (lib/http/workspace-listener.ts decides).
 */
export function PortalReachNotice({ reason }: { reason: string | undefined }) {
  if (!reason) return null;
  return (
    <WarningBanner testId="portal-reach-notice">
      <p>
        <strong>Notebooks cannot log to this portal yet.</strong> {reason}
      </p>
    </WarningBanner>
  );
}
