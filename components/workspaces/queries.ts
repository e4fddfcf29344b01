"use client";

import { useQuery } from "@tanstack/react-query";
import { apiFetch } from "@/components/ui/api";
import type { EnvironmentView } from "@/lib/environments/manage";
import type { Health } from "@/lib/health/check";
import type { Me } from "@/lib/users/me";
import type { ServerView } from "@/lib/workspaces/view";

export const keys = {
  me: ["me"] as const,
  servers: (user: string) => ["servers", user] as const,
  environments: ["environments"] as const,
  health: ["health"] as const,
};

export function useMe(initial?: Me) {
  return useQuery({ queryKey: keys.me, queryFn: () => apiFetch<Me>("/api/me"), initialData: initial, refetchInterval: 3_000 });
}

export function useServers(user: string, initial?: ServerView[]) {
  return useQuery({
    queryKey: keys.servers(user),
    queryFn: () => apiFetch<ServerView[]>(`/api/users/${encodeURIComponent(user)}/servers`),
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
