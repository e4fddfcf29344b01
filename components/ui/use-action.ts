"use client";

import { useState } from "react";

/**
 * A request behind a button: `busy` while it runs, `error` the sentence it failed with (`fallback` when
 * what it threw was no Error). `run` resolves to whether it succeeded.
 */
export function useAction(fallback = "That did not work.") {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      return true;
    } catch (err) {
      setError(err instanceof Error ? err.message : fallback);
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
