import type { ReactNode } from "react";
import { AdminTabs } from "@/components/admin/admin-tabs";
import { currentPrincipal } from "../_lib/page-auth";

/** Admin sections share a tab bar; only admins see it (each page still checks with requireAdmin). */
export default async function AdminLayout({ children }: { children: ReactNode }) {
  const principal = await currentPrincipal();
  return (
    <>
      {principal?.admin && <AdminTabs />}
      {children}
    </>
  );
}
