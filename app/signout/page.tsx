import Link from "next/link";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/account/auth-card";
import { AuthButton } from "@/components/account/sign-in-form";
import { currentPrincipal } from "../_lib/page-auth";

/**
 * Where a workspace's "Log Out" lands (the proxy sends /user/<name>/<server>/logout here): signing
 * out takes a same-origin POST, so the page asks for one click instead of signing out on a GET.
 */
export default async function SignOutPage() {
  const principal = await currentPrincipal();
  if (!principal) redirect("/signin");
  return (
    <AuthCard
      title="Sign out of Atrium?"
      intro={
        <>
          You are signed in as <strong data-testid="signout-name">{principal.name}</strong>. Your workspaces keep running until you stop
          them or they are idle for too long.
        </>
      }
    >
      <AuthButton action="signOut" />
      <Link href="/" className="mt-3 block text-center text-sm text-slate-600 hover:text-slate-900">
        Back to my workspaces
      </Link>
    </AuthCard>
  );
}
