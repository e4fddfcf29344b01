import type { ButtonHTMLAttributes, Ref } from "react";

/**
 * The portal's one set of button looks (docs/architecture.md §2): `primary` for the action a form or
 * page is for, `secondary` beside it, `danger` for what cannot be undone, `ghost` for a quiet action in
 * a row, and the `link` tones for an action that reads as text.
 */
const VARIANTS = {
  primary: "rounded-lg bg-brand-600 font-medium text-white hover:bg-brand-700",
  secondary: "rounded-lg border border-slate-300 bg-white font-medium text-slate-700 hover:bg-slate-50",
  danger: "rounded-lg bg-red-600 font-medium text-white hover:bg-red-700",
  "danger-outline": "rounded-lg border border-red-300 bg-white font-medium text-red-700 hover:bg-red-50",
  ghost: "rounded-lg font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900",
  link: "text-brand-700 hover:underline",
  "link-quiet": "text-slate-500 hover:text-slate-800 hover:underline",
  "link-danger": "text-red-700 hover:underline",
} as const;

const SIZES = { sm: "px-2.5 py-1 text-xs", md: "px-4 py-1.5 text-sm", lg: "px-5 py-2 text-sm" } as const;

export type ButtonVariant = keyof typeof VARIANTS;
export type ButtonSize = keyof typeof SIZES;

/** The classes of a button, for a `Link` that should look like one. Link tones take no padding. */
export function buttonClass(variant: ButtonVariant = "primary", size: ButtonSize = "md", extra?: string): string {
  const box = variant.startsWith("link") ? "text-sm" : `inline-flex items-center justify-center gap-2 ${SIZES[size]}`;
  return [box, VARIANTS[variant], "disabled:cursor-not-allowed disabled:opacity-50", extra].filter(Boolean).join(" ");
}

/**
 * A button; `type` is "button" unless said otherwise, so one inside a form never submits it by accident.
 * `loading` turns it off, marks it busy and puts a spinner before its label (which the caller may also change).
 */
export function Button({
  variant,
  size,
  loading = false,
  className,
  disabled,
  children,
  type = "button",
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & {
  variant?: ButtonVariant;
  size?: ButtonSize;
  loading?: boolean;
  /** React 19 passes a ref as a prop; it reaches the <button>. */
  ref?: Ref<HTMLButtonElement>;
}) {
  return (
    <button
      type={type}
      disabled={disabled || loading}
      aria-busy={loading || undefined}
      className={buttonClass(variant, size, className)}
      {...rest}
    >
      {loading && <span aria-hidden className="h-3.5 w-3.5 animate-spin rounded-full border-2 border-current border-r-transparent" />}
      {children}
    </button>
  );
}
