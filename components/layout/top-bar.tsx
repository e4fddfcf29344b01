import Link from "next/link";
import type { Principal } from "@atrium/core/lib/auth/principal";
import { MainMenu } from "./main-menu";
import { NavLink } from "./nav-link";
import { SignOutButton } from "./sign-out-button";

/** Only sections that exist are listed; admin sections only for admins. */
const NAV = [
  { href: "/", label: "Workspaces", admin: false },
  { href: "/environments", label: "Environments", admin: false },
  { href: "/packages", label: "Packages", admin: false },
  { href: "/jobs", label: "Jobs", admin: false },
  { href: "/experiments", label: "Experiments", admin: false },
  { href: "/models", label: "Models", admin: false },
  { href: "/serving", label: "Serving", admin: false },
  { href: "/projects", label: "Projects", admin: false },
  { href: "/admin/users", label: "Users", admin: true },
] as const;

export function TopBar({ principal }: { principal: Principal }) {
  return (
    <header className="relative bg-slate-900">
      <div className="mx-auto flex h-14 max-w-6xl items-center gap-6 px-4 sm:px-6">
        <Link href="/" className="flex items-center gap-2 text-white">
          <span className="grid h-7 w-7 place-items-center rounded-md bg-brand-500 text-sm font-bold">A</span>
          <span className="font-semibold tracking-tight">Atrium</span>
        </Link>
        <MainMenu>
          <nav className="flex flex-col gap-1 lg:flex-row" aria-label="Main">
            {NAV.filter((n) => !n.admin || principal.admin).map((n) => (
              <NavLink key={n.href} href={n.href}>
                {n.label}
              </NavLink>
            ))}
          </nav>
          <div className="flex items-center gap-3 border-t border-slate-800 pt-3 lg:ml-auto lg:border-0 lg:pt-0">
            <span className="text-sm text-slate-300" data-testid="whoami">
              <span className="font-medium text-white">{principal.name}</span>
              <span className="ml-2 rounded bg-slate-700 px-1.5 py-0.5 text-xs uppercase tracking-wide text-slate-200">
                {principal.role}
              </span>
            </span>
            <SignOutButton />
          </div>
        </MainMenu>
      </div>
    </header>
  );
}
