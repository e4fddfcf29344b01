import Link from "next/link";

/** A page that has nothing for the person (not found, not allowed): what happened and the way back home. */
export function DeadEnd({ title, reason, back = "Back to your home page" }: { title: string; reason: string; back?: string }) {
  return (
    <div className="mx-auto mt-16 max-w-md rounded-xl border border-slate-200 bg-white p-8 text-center shadow-sm">
      <h1 className="text-xl font-semibold text-slate-900">{title}</h1>
      <p className="mt-2 text-slate-600">{reason}</p>
      <Link href="/" className="mt-6 inline-block text-brand-600 hover:underline">
        {back}
      </Link>
    </div>
  );
}
