import { describe, expect, it } from "vitest";
import { parseCliArgs } from "./cli-args.ts";

describe("parseCliArgs", () => {
  it("runs the demo in memory when no flag is given", () => {
    expect(parseCliArgs([])).toEqual({ help: false, demo: true, persistDir: undefined });
  });

  it("reads --persist DIR, --no-demo and --help", () => {
    expect(parseCliArgs(["--persist", "data", "--no-demo", "--help"])).toEqual({
      help: true,
      demo: false,
      persistDir: "data",
    });
  });

  it("rejects an unknown flag naming it", () => {
    expect(() => parseCliArgs(["--presist", "x"])).toThrow(/--presist/);
  });

  it("rejects --persist without a directory", () => {
    expect(() => parseCliArgs(["--persist"])).toThrow(/--persist/);
  });
});
