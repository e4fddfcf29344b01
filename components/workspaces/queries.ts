"use client";

import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "@/components/ui/api";
import type { EnvironmentView } from "@/lib/environments/manage";
import type { Health } from "@/lib/health/check";
import type { Me } from "@/lib/users/me";
import type { ServerView } from "@/lib/workspaces/view";

export const keys = {
  /** The person's servers and her allowance, read together (useHome). */
  home: (user: string) => ["home", user] as const,
  environments: ["environments"] as const,
  health: ["health"] as const,
};

export interface Home {
  me: Me;
  servers: ServerView[];
}

/**
 * The person's servers and what she holds against her limits, fetched in one go every 3 s: polled apart,
 * a stopped server would sit beside a meter still counting it as running until the other poll came.
 */
export function useHome(initial: Home) {
  return useQuery({
    queryKey: keys.home(initial.me.name),
    queryFn: async (): Promise<Home> => {
      const [me, servers] = await Promise.all([
        apiFetch<Me>("/api/me"),
        apiFetch<ServerView[]>(`/api/users/${encodeURIComponent(initial.me.name)}/servers`),
      ]);
      return { me, servers };
    },
    initialData: initial,
    refetchInterval: 3_000,
  });
}

export function useEnvironments() {
  return useQuery({
    queryKey: keys.environments,
    queryFn: () => apiFetch<EnvironmentView[]>("/api/environments"),
    refetchInterval: 60_000,
  });
}

/** /api/health answers 503 when the database is down; its body still says what is down. */
export function useHealth() {
  return useQuery({
    queryKey: keys.health,
    queryFn: async (): Promise<Health> => {
      const res = await fetch("/api/health", { cache: "no-store" });
      return (await res.json()) as Health;
    },
    refetchInterval: 15_000,
  });
}
