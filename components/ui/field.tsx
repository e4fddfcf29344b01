import type { ReactNode, SelectHTMLAttributes } from "react";

/** A label over its control (whose id must be `id`) and a hint the control is described by as `<id>-hint`. */
export function Field({ id, label, hint, children }: { id: string; label: string; hint?: string; children: ReactNode }) {
  return (
    <div className="text-sm">
      <label htmlFor={id} className="block font-medium text-slate-700">
        {label}
      </label>
      {children}
      {hint && (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          {hint}
        </p>
      )}
    </div>
  );
}

/** A select with its label above it, as in a row of pickers. */
export function LabelledSelect({ label, children, ...select }: { label: string } & SelectHTMLAttributes<HTMLSelectElement>) {
  return (
    <label className="text-sm">
      <span className="block font-medium text-slate-700">{label}</span>
      <select {...select} className="mt-1 rounded-md border border-slate-300 px-2 py-1.5 text-sm">
        {children}
      </select>
    </label>
  );
}
