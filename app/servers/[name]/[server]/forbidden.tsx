import Link from "next/link";

export default function ServerForbidden() {
  return (
    <div className="mx-auto mt-16 max-w-md rounded-xl border border-slate-200 bg-white p-8 text-center shadow-sm">
      <h1 className="text-xl font-semibold text-slate-900">Not your workspace</h1>
      <p className="mt-2 text-slate-600">Only the person who owns this workspace, or a platform admin, can see and start it.</p>
      <Link href="/" className="mt-6 inline-block text-brand-600 hover:underline">
        Go to your own workspaces
      </Link>
    </div>
  );
}
