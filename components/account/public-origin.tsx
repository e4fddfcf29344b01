"use client";

import { useEffect, useSyncExternalStore, type ReactNode } from "react";

const noSubscription = () => () => {};

/**
 * Sign-in only works on the portal's public address: next-auth sends the browser back to
 * ATRIUM_PUBLIC_URL after sign-in, and the session cookie is host-only, so a cookie set while the
 * page was opened at another name of the same machine (127.0.0.1 for localhost) is never sent there,
 * and the person lands on the sign-in page again without a word. The browser's own origin is the only
 * reliable witness (a reverse proxy may rewrite Host), so the check runs here, before the form.
 */
export function OnPublicOrigin({ publicUrl, children }: { publicUrl: string; children: ReactNode }) {
  const target = new URL(publicUrl);
  // The server renders as if on the public origin; the browser then reads where it really is.
  const origin = useSyncExternalStore(
    noSubscription,
    () => window.location.origin,
    () => target.origin,
  );
  const elsewhere = origin !== target.origin;
  useEffect(() => {
    if (!elsewhere) return;
    const { pathname, search, hash } = window.location;
    window.location.replace(`${target.origin}${pathname}${search}${hash}`);
  }, [elsewhere, target.origin]);
  if (!elsewhere) return children;
  return (
    <p className="text-sm text-slate-600" data-testid="public-origin-redirect">
      Sign-in works at {target.origin}; taking you there…
    </p>
  );
}
