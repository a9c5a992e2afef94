import { describe, expect, it } from "vitest";
import { formatRequestDefaults, readRequestSettings } from "./request-settings.ts";

describe("readRequestSettings", () => {
  it("falls back to the demo people, a day and no reminders when nothing is set", () => {
    expect(readRequestSettings({})).toEqual({
      defaultApprovers: ["alice@example.com", "bob@example.com"],
      defaultTimeoutSeconds: 86_400,
    });
  });

  it("takes each default from its variable, by Lambda's rules", () => {
    expect(
      readRequestSettings({
        SIGNOFF_DEFAULT_APPROVERS: " Carol@Example.com,dave@example.com,carol@example.com ",
        SIGNOFF_DEFAULT_TIMEOUT_SECONDS: "600",
        SIGNOFF_DEFAULT_REMINDERS: '{"everySeconds":3600}',
      }),
    ).toEqual({
      defaultApprovers: ["carol@example.com", "dave@example.com"],
      defaultTimeoutSeconds: 600,
      defaultReminders: { everySeconds: 3600 },
    });
  });

  it("takes an empty SIGNOFF_DEFAULT_APPROVERS as none, as a deployment without it has", () => {
    const defaults = readRequestSettings({ SIGNOFF_DEFAULT_APPROVERS: "" });
    expect(defaults.defaultApprovers).toEqual([]);
    expect(formatRequestDefaults(defaults)[0]).toBe(
      "  default approvers: none, requests must name them (SIGNOFF_DEFAULT_APPROVERS)",
    );
  });

  it("names every bad variable in one error, without echoing values", () => {
    const read = () =>
      readRequestSettings({
        SIGNOFF_DEFAULT_APPROVERS: "alice@example.com,not-an-email",
        SIGNOFF_DEFAULT_REMINDERS: "{at:",
      });
    expect(read).toThrow(
      'SIGNOFF_DEFAULT_APPROVERS entry 2 is not an email address; SIGNOFF_DEFAULT_REMINDERS must be JSON, e.g. {"at":[0.5,0.9]}',
    );
    expect(read).toThrow(expect.objectContaining({ code: "INVALID_CONFIG" }));
  });
});
