import { afterEach, describe, expect, it, vi } from "vitest";
import type { Principal } from "@/lib/auth/principal";
import { createPrincipalCache } from "./principal-cache";

const ALICE = { name: "alice" } as unknown as Principal;
const TOKEN = { kind: "token", token: "atr_principal_cache_test_token" } as const;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the proxy's principal cache", () => {
  it("expires an entry after its TTL on the monotonic clock, even when the wall clock steps back", async () => {
    let monotonic = 1_000_000;
    let wall = Date.UTC(2026, 0, 1);
    vi.spyOn(performance, "now").mockImplementation(() => monotonic);
    vi.spyOn(Date, "now").mockImplementation(() => wall);
    const cache = createPrincipalCache(5_000);
    const load = vi.fn(() => Promise.resolve(ALICE));

    expect(await cache.get(TOKEN, load)).toBe(ALICE);
    monotonic += 4_000;
    wall += 4_000;
    expect(await cache.get(TOKEN, load)).toBe(ALICE);
    expect(load).toHaveBeenCalledTimes(1);

    // NTP steps the wall clock back an hour: a revoked token must still be looked up again once the TTL is over.
    monotonic += 1_001;
    wall -= 3_600_000;
    await cache.get(TOKEN, load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("keeps no refusal and no entry with a TTL of 0", async () => {
    const cache = createPrincipalCache(0);
    const refuse = vi.fn(() => Promise.resolve(null));
    expect(await cache.get(TOKEN, refuse)).toBeNull();
    expect(await cache.get(TOKEN, refuse)).toBeNull();
    expect(refuse).toHaveBeenCalledTimes(2);
    const load = vi.fn(() => Promise.resolve(ALICE));
    await cache.get(TOKEN, load);
    await cache.get(TOKEN, load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("shares one lookup among the requests that arrive while it runs, and keeps no refusal afterwards", async () => {
    const cache = createPrincipalCache(5_000);
    const answers: ((p: Principal | null) => void)[] = [];
    const load = vi.fn(() => new Promise<Principal | null>((resolve) => answers.push(resolve)));
    const waiting = Array.from({ length: 50 }, () => cache.get(TOKEN, load));
    for (const answer of answers) answer(null);
    expect(await Promise.all(waiting)).toEqual(Array(50).fill(null));
    expect(load).toHaveBeenCalledTimes(1);
    // The refusal is not remembered: the next request looks again, and this time succeeds.
    const again = vi.fn(() => Promise.resolve(ALICE));
    expect(await cache.get(TOKEN, again)).toBe(ALICE);
    expect(again).toHaveBeenCalledTimes(1);
  });

  it("does not keep what a lookup that clear() overtook found", async () => {
    const cache = createPrincipalCache(5_000);
    let answer!: (p: Principal | null) => void;
    const slow = vi.fn(() => new Promise<Principal | null>((resolve) => (answer = resolve)));
    const first = cache.get(TOKEN, slow);
    cache.clear();
    answer(ALICE);
    expect(await first).toBe(ALICE);
    const load = vi.fn(() => Promise.resolve(null));
    expect(await cache.get(TOKEN, load)).toBeNull();
    expect(load).toHaveBeenCalledTimes(1);
  });
});
