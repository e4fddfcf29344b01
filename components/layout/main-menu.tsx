"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";

/**
 * The top bar's links and account: in the bar on a wide screen, and below `lg` behind a Menu button
 * that drops them down as a panel. Opening moves focus to the first link; Escape closes the panel and
 * gives focus back to the button; following a link closes it.
 */
export function MainMenu({ children }: { children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    panel.current?.querySelector<HTMLElement>("a, button")?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);

  return (
    <>
      <button
        ref={button}
        type="button"
        aria-expanded={open}
        aria-controls="main-menu"
        onClick={() => setOpen((o) => !o)}
        className="ml-auto rounded-md p-2 text-slate-300 hover:bg-slate-800 hover:text-white lg:hidden"
      >
        <span className="sr-only">Menu</span>
        <svg aria-hidden viewBox="0 0 20 20" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round">
          {open ? <path d="M5 5l10 10M15 5L5 15" /> : <path d="M3 6h14M3 10h14M3 14h14" />}
        </svg>
      </button>
      <div
        id="main-menu"
        ref={panel}
        onClick={(e) => {
          if ((e.target as HTMLElement).closest("a")) setOpen(false);
        }}
        className={`${open ? "flex" : "hidden"} absolute inset-x-0 top-14 z-40 flex-col gap-3 bg-slate-900 px-4 pb-4 shadow-lg lg:static lg:flex lg:flex-1 lg:flex-row lg:items-center lg:gap-6 lg:p-0 lg:shadow-none`}
      >
        {children}
      </div>
    </>
  );
}
