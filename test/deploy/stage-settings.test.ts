import { describe, expect, it } from "vitest";
import {
  pickSettings,
  readAlarmEmail,
  readCorsOrigins,
  readSenderSettings,
} from "../../infra/stage-settings.ts";

describe("the sender settings infra/ reads", () => {
  it("creates an identity for the sender address unless told to reuse one", () => {
    expect(readSenderSettings({ SIGNOFF_SENDER: " approvals@example.com " }, "prod")).toEqual({
      sender: "approvals@example.com",
      identity: "approvals@example.com",
      createIdentity: true,
    });
  });

  it("reuses an existing identity: the address itself or its domain, nothing else", () => {
    const base = { SIGNOFF_SENDER: "approvals@example.com" };
    expect(readSenderSettings({ ...base, SIGNOFF_SES_IDENTITY: "example.com" }, "dev")).toEqual({
      sender: "approvals@example.com",
      identity: "example.com",
      createIdentity: false,
    });
    expect(
      readSenderSettings({ ...base, SIGNOFF_SES_IDENTITY: "approvals@example.com" }, "dev"),
    ).toMatchObject({ createIdentity: false, identity: "approvals@example.com" });
    expect(() => readSenderSettings({ ...base, SIGNOFF_SES_IDENTITY: "other.com" }, "dev")).toThrow(
      /SIGNOFF_SES_IDENTITY must be the sender address or its domain \(approvals@example\.com or example\.com\)/,
    );
  });

  it("refuses a missing sender or one that is not a single address, naming the stage's file", () => {
    expect(() => readSenderSettings({}, "production")).toThrow(
      /SIGNOFF_SENDER is not set for stage "production": put SIGNOFF_SENDER=<address> in \.env\.production/,
    );
    for (const bad of [
      "example.com",
      "Approvals <approvals@example.com>",
      "a@example.com,b@example.com",
      "approvals@localhost",
    ]) {
      expect(() => readSenderSettings({ SIGNOFF_SENDER: bad }, "dev"), bad).toThrow(
        /SIGNOFF_SENDER must be one email address/,
      );
    }
  });
});

describe("SIGNOFF_CORS_ORIGINS", () => {
  it("is empty when unset: no CORS", () => {
    expect(readCorsOrigins({})).toEqual([]);
    expect(readCorsOrigins({ SIGNOFF_CORS_ORIGINS: "  " })).toEqual([]);
  });

  it("takes exact https origins, and http only for localhost", () => {
    expect(
      readCorsOrigins({
        SIGNOFF_CORS_ORIGINS: "https://dash.example.com, http://localhost:5173",
      }),
    ).toEqual(["https://dash.example.com", "http://localhost:5173"]);
  });

  it("refuses wildcards, paths and plain http, naming the entry", () => {
    for (const bad of [
      "*",
      "https://dash.example.com/",
      "http://dash.example.com",
      "dash.example.com",
    ]) {
      expect(() => readCorsOrigins({ SIGNOFF_CORS_ORIGINS: bad }), bad).toThrow(
        new RegExp(`SIGNOFF_CORS_ORIGINS: "${bad.replace(/[.*/]/g, "\\$&")}"`),
      );
    }
  });
});

describe("other stage settings", () => {
  it("checks the alarm address and passes set settings through", () => {
    expect(readAlarmEmail({})).toBeUndefined();
    expect(readAlarmEmail({ SIGNOFF_ALARM_EMAIL: "ops@example.com" })).toBe("ops@example.com");
    expect(() => readAlarmEmail({ SIGNOFF_ALARM_EMAIL: "ops" })).toThrow(/SIGNOFF_ALARM_EMAIL/);
    expect(pickSettings({ A: " 1 ", B: "", C: "x" }, ["A", "B", "D"])).toEqual({ A: "1" });
  });
});
