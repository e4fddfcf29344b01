"use client";

import { useEffect, type RefObject } from "react";

/**
 * Closes a popover while it is open: on Escape (focus goes back to `returnFocus`), and on a press outside
 * `inside` (the popover and the button that opens it).
 */
export function useDismiss(
  open: boolean,
  close: () => void,
  inside: RefObject<HTMLElement | null>,
  returnFocus?: RefObject<HTMLElement | null>,
) {
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape") return;
      close();
      returnFocus?.current?.focus();
    };
    const onPress = (e: PointerEvent) => {
      if (e.target instanceof Node && inside.current?.contains(e.target)) return;
      close();
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("pointerdown", onPress);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("pointerdown", onPress);
    };
  }, [open, close, inside, returnFocus]);
}
