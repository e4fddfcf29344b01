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
});
