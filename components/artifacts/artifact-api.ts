"use client";

import { useQuery } from "@tanstack/react-query";

/** One entry of a folder listing, as /api/2.0/mlflow-artifacts/artifacts?path= returns it. */
interface ArtifactFileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

const API = "/api/2.0/mlflow-artifacts/artifacts";

/** The store path of a run's artifacts (`<experiment>/<run>/artifacts`), or null when they live outside the portal. */
export function artifactRoot(artifactUri: string): string | null {
  const m = /^mlflow-artifacts:\/*(.+?)\/*$/.exec(artifactUri);
  return m?.[1] ?? null;
}

export const downloadUrl = (fullPath: string) => `${API}/${fullPath.split("/").map(encodeURIComponent).join("/")}`;

export function useArtifactFolder(fullPath: string) {
  return useQuery({
    queryKey: ["artifacts", fullPath],
    queryFn: async () => {
      const res = await fetch(`${API}?path=${encodeURIComponent(fullPath)}`);
      const body = (await res.json()) as { files?: ArtifactFileInfo[]; message?: string };
      if (!res.ok) throw new Error(body.message ?? `Listing failed with HTTP ${res.status}.`);
      // Folders first, then files, each by name, as file browsers show them.
      return (body.files ?? []).sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path));
    },
    retry: false,
  });
}

/** The first `limit` bytes of a file as text: previews never download a whole large file. */
export async function fetchHead(fullPath: string, limit = 64 * 1024): Promise<{ text: string; truncated: boolean }> {
  const res = await fetch(downloadUrl(fullPath));
  if (!res.ok || !res.body) throw new Error(`The file could not be read (HTTP ${res.status}).`);
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
    if (size >= limit) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.byteLength;
  }
  return { text: new TextDecoder().decode(all.subarray(0, limit)), truncated };
}
