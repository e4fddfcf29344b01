import { redirect } from "next/navigation";
import { OnPublicOrigin } from "@/components/account/public-origin";
import { AuthCard } from "@/components/account/auth-card";
import { AuthButton, DevSignInForm } from "@/components/account/sign-in-form";
import { getConfig } from "@atrium/core/lib/config";
import { returnPath } from "@atrium/core/lib/http/return-path";
import { currentPrincipal } from "../_lib/page-auth";

const ERRORS: Record<string, string> = {
  BadUserName:
    "Your SSO account has no user name Atrium can use (letters, digits, '.', '_' or '-'). Ask your identity team to set preferred_username.",
  NoUserName:
    "Your SSO account has neither a preferred_username nor a verified email, so Atrium cannot name you. Ask your identity team to set preferred_username or to verify your email.",
  NoSubject: "Your identity provider did not say who you are (no issuer or subject in the ID token). Tell your admin.",
  NameTaken:
    "The user name your SSO account gives belongs to someone else, and so do its numbered forms. Ask your admin to sort out the names.",
  CredentialsSignin: "That user name is not valid: use lower-case letters, digits, '.', '_' or '-', starting with a letter or digit.",
  AccessDenied: "Your account is not allowed to sign in here.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { error, next: asked } = await searchParams;
  // Back to the page whose session ended (components/ui/live-refresh.tsx), never off the portal.
  const next = returnPath(asked);
  if (await currentPrincipal()) redirect(next);
  const code = typeof error === "string" ? error : undefined;
  const message = code ? (ERRORS[code] ?? "Sign-in failed. Try again, and tell your admin if it keeps happening.") : undefined;
  const config = getConfig();
  const sso = config.oidc !== undefined;
  return (
    <AuthCard
      title="Sign in"
      intro="Notebooks, experiments and models for your team."
      above={
        <div className="mb-8 flex items-center justify-center gap-3">
          <span className="grid h-10 w-10 place-items-center rounded-lg bg-brand-600 text-lg font-bold text-white">A</span>
          <span className="text-2xl font-semibold tracking-tight text-slate-900">Atrium</span>
        </div>
      }
    >
      {message && (
        <p role="alert" className="mb-4 rounded-lg bg-red-50 px-3 py-2 text-sm text-red-700">
          {message}
        </p>
      )}
      <OnPublicOrigin publicUrl={config.publicUrl}>
        {sso ? (
          <AuthButton action="sso" next={next} />
        ) : (
          <>
            <p
              className="mb-4 rounded-lg border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-800"
              data-testid="dev-signin-warning"
            >
              <strong>Development sign-in.</strong> No SSO is configured, so anyone can sign in as any name. Set OIDC_ISSUER before others
              use this portal.
            </p>
            <DevSignInForm next={next} />
          </>
        )}
      </OnPublicOrigin>
    </AuthCard>
  );
}
