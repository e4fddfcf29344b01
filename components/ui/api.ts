/** fetch for the portal's own JSON API: throws the server's one-sentence message on an error status. */
export async function apiFetch<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(path, {
    ...init,
    headers: { ...(init?.body ? { "content-type": "application/json" } : {}), ...init?.headers },
  });
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { message?: string } | null;
    throw new Error(body?.message ?? `The server answered ${res.status}.`);
  }
  return (res.status === 204 ? undefined : await res.json()) as T;
}
