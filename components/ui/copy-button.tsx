"use client";

import { useState } from "react";
import { Button } from "./button";

/** Copies `text` to the clipboard and says so for two seconds; where the browser refuses, says that instead. */
export function CopyButton({ text, label = "Copy", testId }: { text: string; label?: string; testId?: string }) {
  const [said, setSaid] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid("Copied");
    } catch {
      setSaid("Select and copy by hand");
    }
    setTimeout(() => setSaid(null), 2000);
  };
  return (
    <Button variant="secondary" size="sm" onClick={() => void copy()} data-testid={testId} aria-live="polite">
      {said ?? label}
    </Button>
  );
}
