import { afterEach, describe, expect, it, vi } from "vitest";
import { startLoop } from "./loop";

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("startLoop", () => {
  it("ticks at once and on every interval, skips a beat while a tick still runs, and stops", async () => {
    vi.useFakeTimers();
    let calls = 0;
    let release = () => {};
    const stop = startLoop("test loop", 1_000, () => {
      calls++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(1); // the first tick has not finished
    release();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toBe(2);
    release();
    stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(calls).toBe(2);
  });

  it("logs a failed tick with its name and keeps going", async () => {
    vi.useFakeTimers();
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    let calls = 0;
    const stop = startLoop("usage sample", 1_000, () => {
      calls++;
      return Promise.reject(new Error("engine gone"));
    });
    await vi.advanceTimersByTimeAsync(1_000);
    stop();
    expect(calls).toBe(2);
    expect(logged).toHaveBeenCalledWith("[atrium] usage sample failed:", expect.any(Error));
  });
});
