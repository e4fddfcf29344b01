import type { ReactNode } from "react";

/** The narrow card of the sign-in and sign-out pages. */
export function AuthCard({ title, intro, above, children }: { title: string; intro: ReactNode; above?: ReactNode; children: ReactNode }) {
  return (
    <div className="mx-auto mt-16 max-w-sm">
      {above}
      <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-lg font-semibold text-slate-900">{title}</h1>
        <p className="mb-5 mt-1 text-sm text-slate-600">{intro}</p>
        {children}
      </div>
    </div>
  );
}
