import { describe, expect, expectTypeOf, it } from "vitest";
import { partKey, PortalRuntime } from "./context";

describe("runtime.part", () => {
  it("makes a part once per key and runtime, and keeps keys with equal descriptions apart", () => {
    const runtime = new PortalRuntime();
    const first = partKey<{ made: number }>("counter");
    const second = partKey<{ made: number }>("counter");
    let made = 0;
    const create = () => ({ made: ++made });

    const a = runtime.part(first, create);
    expect(runtime.part(first, create)).toBe(a);
    expect(made).toBe(1);

    const b = runtime.part(second, create);
    expect(b).not.toBe(a);
    expect(b.made).toBe(2);
    expect(runtime.part(second, create)).toBe(b);

    // Another runtime (a test's own) does not see this one's parts.
    expect(runtime.part(first, create)).toBe(a);
    expect(new PortalRuntime().part(first, create).made).toBe(3);
    expect(made).toBe(3);
  });

  it("tries again after create throws, and keeps nothing from the failed attempt", () => {
    const runtime = new PortalRuntime();
    const key = partKey<string>("flaky");
    expect(() =>
      runtime.part(key, () => {
        throw new Error("engine unreachable");
      }),
    ).toThrow("engine unreachable");
    expect(runtime.part(key, () => "made")).toBe("made");
    expect(runtime.part(key, () => "again")).toBe("made");
  });

  it("gives the part the key's type, so two modules cannot disagree about it", () => {
    const runtime = new PortalRuntime();
    const count = partKey<number>("count");
    expectTypeOf(runtime.part(count, () => 1)).toEqualTypeOf<number>();
    // @ts-expect-error a key for a number cannot be given a string's maker (checked by `tsc --noEmit`)
    expect(runtime.part(count, () => "one")).toBe(1);
  });
});
