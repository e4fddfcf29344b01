import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Providers } from "@/components/providers";
import { TopBar } from "@/components/layout/top-bar";
import { currentPrincipal } from "./_lib/page-auth";
import "./globals.css";

export const metadata: Metadata = {
  title: "Atrium",
  description: "Notebooks, experiments and models for your team",
  // public/favicon.ico stays for clients that ask for it without reading the page.
  icons: {
    icon: [
      { url: "/favicon.svg", type: "image/svg+xml" },
      { url: "/favicon.ico", sizes: "any" },
    ],
  },
};
export const dynamic = "force-dynamic";

export default async function RootLayout({ children }: { children: ReactNode }) {
  const principal = await currentPrincipal();
  return (
    <html lang="en">
      <body className="min-h-screen">
        <Providers>
          {principal && <TopBar principal={principal} />}
          <main className="mx-auto max-w-6xl px-6 py-8">{children}</main>
        </Providers>
      </body>
    </html>
  );
}
