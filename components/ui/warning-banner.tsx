import type { ReactNode } from "react";

/** The amber status box with a "!" mark for something that does not work right now and why. */
export function WarningBanner({ testId, children }: { testId: string; children: ReactNode }) {
  return (
    <div
      role="status"
      data-testid={testId}
      className="flex items-start gap-3 rounded-xl border border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-900"
    >
      <span aria-hidden className="mt-0.5 grid h-5 w-5 shrink-0 place-items-center rounded-full bg-amber-400 text-xs font-bold text-white">
        !
      </span>
      {children}
    </div>
  );
}
