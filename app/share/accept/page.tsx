import { redirect } from "next/navigation";
import { AcceptShareButton } from "@/components/workspaces/accept-share";
import { describeShareCode } from "@atrium/core/lib/sharing/codes";
import { acceptSchema } from "@atrium/core/lib/sharing/schemas";
import { getDb } from "@atrium/core/lib/runtime/db";
import { currentPrincipal } from "../../_lib/page-auth";

/**
 * Where a share link leads (docs/sharing.md): a signed-in person sees whose server it opens and accepts it
 * with a button (a POST: a link preview or a prefetch must not use it up). Not signed in: the sign-in page first.
 */
export default async function AcceptSharePage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = (await searchParams).code;
  const code = typeof raw === "string" ? raw : "";
  const principal = await currentPrincipal();
  if (!principal) redirect(`/signin?callbackUrl=${encodeURIComponent(`/share/accept?${new URLSearchParams({ code }).toString()}`)}`);
  const parsed = acceptSchema.safeParse({ code });
  const found = parsed.success ? await describeShareCode(await getDb(), parsed.data.code) : null;
  return (
    <div className="mx-auto mt-10 max-w-xl">
      <div className="rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        {found ? (
          <>
            <h1 className="text-xl font-semibold text-slate-900">
              {found.ref.user} shares{" "}
              <span className="font-mono">
                {found.ref.user}/{found.ref.server}
              </span>{" "}
              with you
            </h1>
            <p className="mt-2 text-slate-600">
              Accepting lets you open this workspace while it runs, see its files and run code in it as {found.ref.user}. The link works
              once.
            </p>
            <div className="mt-5">
              <AcceptShareButton code={code} />
            </div>
          </>
        ) : (
          <>
            <h1 className="text-xl font-semibold text-slate-900">This share link cannot be used</h1>
            <p className="mt-2 text-slate-600">It is unknown, already used or expired; ask whoever sent it for a new one.</p>
          </>
        )}
      </div>
    </div>
  );
}
