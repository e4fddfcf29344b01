"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";
import { signInPath } from "@/lib/http/return-path";

/** While something on the page is changing by itself (a queued or running execution). */
const ACTIVE_MS = 2_000;
/** Otherwise, doubling up to this: a cron slot or another person's action may still change the page. */
const IDLE_MAX_MS = 30_000;

/**
 * Keeps a server-rendered page live (docs/architecture.md, "Live pages"): re-renders it in place on a
 * timer, fast while `active`, backing off while not, paused while the tab is hidden. An ended session
 * stops it and sends the person to sign in and back here, instead of failing every few seconds under a
 * header that still shows them signed in.
 */
export function LiveRefresh({ active }: { active: boolean }) {
  const router = useRouter();
  useEffect(() => {
    let delay = active ? ACTIVE_MS : ACTIVE_MS * 2;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const tick = async () => {
      if (stopped) return;
      if (document.visibilityState === "visible") {
        const res = await fetch("/api/me", { cache: "no-store" }).catch(() => undefined);
        if (stopped) return;
        if (res?.status === 401) {
          window.location.assign(signInPath(window.location.pathname + window.location.search));
          return;
        }
        router.refresh();
      }
      delay = active ? ACTIVE_MS : Math.min(delay * 2, IDLE_MAX_MS);
      timer = setTimeout(() => void tick(), delay);
    };
    timer = setTimeout(() => void tick(), delay);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [active, router]);
  return null;
}
