import Link from "next/link";
import { redirect } from "next/navigation";
import { SignOutConfirm } from "@/components/account/sign-out-confirm";
import { currentPrincipal } from "../_lib/page-auth";

/**
 * Where a workspace's "Log Out" lands (the proxy sends /user/<name>/<server>/logout here): signing
 * out takes a same-origin POST, so the page asks for one click instead of signing out on a GET.
 */
export default async function SignOutPage() {
  const principal = await currentPrincipal();
  if (!principal) redirect("/signin");
  return (
    <div className="mx-auto mt-16 max-w-sm">
      <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <h1 className="text-lg font-semibold text-slate-900">Sign out of Atrium?</h1>
        <p className="mb-5 mt-1 text-sm text-slate-600">
          You are signed in as <strong data-testid="signout-name">{principal.name}</strong>. Your workspaces keep running until you stop
          them or they are idle for too long.
        </p>
        <SignOutConfirm />
        <Link href="/" className="mt-3 block text-center text-sm text-slate-600 hover:text-slate-900">
          Back to my workspaces
        </Link>
      </div>
    </div>
  );
}
