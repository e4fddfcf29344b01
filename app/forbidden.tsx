import Link from "next/link";

export default function Forbidden() {
  return (
    <div className="mx-auto mt-16 max-w-md rounded-xl border border-slate-200 bg-white p-8 text-center shadow-sm">
      <h1 className="text-xl font-semibold text-slate-900">Admins only</h1>
      <p className="mt-2 text-slate-600">This page is for platform admins. If you need access, ask an admin to give you the admin role.</p>
      <Link href="/" className="mt-6 inline-block text-brand-600 hover:underline">
        Back to your home page
      </Link>
    </div>
  );
}
