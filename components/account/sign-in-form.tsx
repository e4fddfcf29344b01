"use client";

import { Button } from "@/components/ui/button";
import { signIn, signOut } from "next-auth/react";
import { useState } from "react";
import { submitWith } from "@/components/ui/submit-with";
import { returnPath } from "@/lib/http/return-path";

const ACTIONS = {
  sso: {
    label: "Sign in with SSO",
    busy: "Redirecting to your company sign-in…",
    run: (next: string) => signIn("oidc", { redirectTo: returnPath(next) }),
  },
  signOut: { label: "Sign out", busy: "Signing out…", run: () => signOut({ redirectTo: "/signin" }) },
};

/**
 * One click that hands over to next-auth (the SSO sign-in, or signing out), disabled while it redirects;
 * `next`: the page to come back to after signing in (lib/http/return-path.ts).
 */
export function AuthButton({ action, next = "/" }: { action: keyof typeof ACTIONS; next?: string }) {
  const [busy, setBusy] = useState(false);
  const { label, busy: busyLabel, run } = ACTIONS[action];
  return (
    <Button
      size="lg"
      className="w-full"
      loading={busy}
      onClick={() => {
        setBusy(true);
        void run(next);
      }}
    >
      {busy ? busyLabel : label}
    </Button>
  );
}

export function DevSignInForm({ next = "/" }: { next?: string }) {
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  return (
    <form
      onSubmit={submitWith(() => {
        setBusy(true);
        void signIn("dev", { username: name.trim(), redirectTo: returnPath(next) });
      })}
      className="space-y-3"
    >
      <label className="block text-sm font-medium text-slate-700" htmlFor="username">
        User name
      </label>
      <input
        id="username"
        name="username"
        autoFocus
        required
        pattern="[a-z0-9][a-z0-9._\-]*"
        title="Lower-case letters, digits, '.', '_' or '-'"
        value={name}
        onChange={(e) => setName(e.target.value)}
        placeholder="e.g. alice"
        className="w-full rounded-lg border border-slate-300 px-3 py-2 focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-100"
      />
      <Button type="submit" size="lg" className="w-full" loading={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
