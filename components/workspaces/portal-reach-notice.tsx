/**
 * Shown where a person expects a notebook to log to the portal (Experiments, a server's page) when no
 * workspace can reach it: why, and the fix (lib/http/workspace-listener.ts decides).
 */
export function PortalReachNotice({ reason }: { reason: string | undefined }) {
  if (!reason) return null;
  return (
    <div
      role="status"
      data-testid="portal-reach-notice"
      className="flex items-start gap-3 rounded-xl border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900"
    >
      <span aria-hidden className="mt-0.5 grid h-5 w-5 shrink-0 place-items-center rounded-full bg-amber-400 text-xs font-bold text-white">
        !
      </span>
      <p>
        <strong>Notebooks cannot log to this portal yet.</strong> {reason}
      </p>
    </div>
  );
}
