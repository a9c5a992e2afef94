import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MAX_TIMEOUT_MS, setLongTimeout } from "./long-timer.ts";

describe("setLongTimeout", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits the full 99999999 seconds a Step Functions timeout may ask for, without overflowing", () => {
    const warnings: unknown[] = [];
    const onWarning = (warning: unknown) => warnings.push(warning);
    process.on("warning", onWarning);
    const fired = vi.fn();
    const delayMs = 99_999_999 * 1000;
    setLongTimeout(fired, delayMs);

    vi.advanceTimersByTime(MAX_TIMEOUT_MS + 1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(delayMs - MAX_TIMEOUT_MS - 2);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
    process.off("warning", onWarning);
    expect(warnings).toEqual([]);
  });

  it("fires short delays once, like setTimeout", () => {
    const fired = vi.fn();
    setLongTimeout(fired, 1500);
    vi.advanceTimersByTime(1499);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it("never fires once cleared, even between chunks", () => {
    const fired = vi.fn();
    const timer = setLongTimeout(fired, MAX_TIMEOUT_MS * 3);
    vi.advanceTimersByTime(MAX_TIMEOUT_MS + 10);
    timer.clear();
    vi.advanceTimersByTime(MAX_TIMEOUT_MS * 3);
    expect(fired).not.toHaveBeenCalled();
    expect(vi.getTimerCount()).toBe(0);
  });
});
