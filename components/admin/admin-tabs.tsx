"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

const TABS = [
  { href: "/admin/users", label: "Users" },
  { href: "/admin/servers", label: "Servers" },
  { href: "/admin/roles", label: "Roles & limits" },
  { href: "/admin/projects", label: "Projects" },
  { href: "/admin/usage", label: "Usage" },
  { href: "/admin/audit", label: "Audit log" },
  { href: "/admin/webhooks", label: "Webhooks" },
  { href: "/environments", label: "Environment catalog" },
] as const;

/** The admin section's own navigation, under the top bar. */
export function AdminTabs() {
  const path = usePathname();
  return (
    // The line under the tabs is an inset shadow, not a border, so the tabs can scroll sideways on a phone.
    <nav className="mb-6 flex gap-1 overflow-x-auto shadow-[inset_0_-1px_0_var(--color-slate-200)]" aria-label="Admin sections">
      {TABS.map((t) => {
        const active = path.startsWith(t.href);
        return (
          <Link
            key={t.href}
            href={t.href}
            className={`whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${active ? "border-brand-500 text-slate-900" : "border-transparent text-slate-500 hover:text-slate-800"}`}
          >
            {t.label}
          </Link>
        );
      })}
    </nav>
  );
}
