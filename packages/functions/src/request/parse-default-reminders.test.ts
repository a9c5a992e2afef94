import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseDefaultReminders } from "./parse-default-reminders.ts";

const variable = z.string().optional().transform(parseDefaultReminders);

describe("parseDefaultReminders (SIGNOFF_DEFAULT_REMINDERS)", () => {
  it("reads the request's reminders JSON, and nothing when unset or blank", () => {
    expect(variable.parse('{"at":[0.9,0.5]}')).toEqual({ at: [0.9, 0.5] });
    expect(variable.parse('{"everySeconds":86400}')).toEqual({ everySeconds: 86400 });
    expect(variable.parse(undefined)).toBeUndefined();
    expect(variable.parse("  ")).toBeUndefined();
  });

  it("says what is wrong without echoing the value", () => {
    const problem = (value: string) => variable.safeParse(value).error?.issues[0]?.message;
    expect(problem("at=0.5")).toBe('must be JSON, e.g. {"at":[0.5,0.9]}');
    expect(problem('{"at":[2]}')).toBe("at.0: must be a fraction of the timeout, below 1");
    expect(problem('{"every":1}')).toBe(
      'must be {"everySeconds": N} or {"at": [fractions of the timeout]}',
    );
  });
});
