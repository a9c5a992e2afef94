import { describe, expect, it } from "vitest";
import { ConfigError, readSlackConfig } from "../config.ts";
import {
  InvalidRequestError,
  parseApprovalRequest,
  type RequestDefaults,
} from "./parse-request.ts";

const TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAd+secret-token";
const withSlack = { approvers: ["ops@example.com"], timeoutSeconds: 3600, slack: true };
const withoutSlack = { approvers: ["ops@example.com"], timeoutSeconds: 3600 };

function refusal(payload: unknown, defaults: RequestDefaults = withSlack): InvalidRequestError {
  try {
    parseApprovalRequest(payload, defaults);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return error as InvalidRequestError;
  }
  throw new Error("expected the payload to be refused");
}

describe("the request's slack field", () => {
  it("accepts a channel, direct messages, or both, and is not context", () => {
    for (const slack of [
      { channel: "C0123ABC" },
      { channel: "#approvals" },
      { directMessages: true },
      { channel: "C0123ABC", directMessages: true },
    ]) {
      const parsed = parseApprovalRequest({ token: TOKEN, slack }, withSlack);
      expect(parsed.slack).toEqual(slack);
      expect(parsed.context).toEqual({});
    }
  });

  it("refuses it, naming the field, when the deployment has no Slack", () => {
    const error = refusal({ token: TOKEN, slack: { channel: "C0123ABC" } }, withoutSlack);
    expect(error.field).toBe("slack");
    expect(error.name).toBe("Approval.InvalidRequest");
    expect(error.message).toContain("Slack is not configured");
    // Without the field, nothing changes.
    expect(parseApprovalRequest({ token: TOKEN }, withoutSlack).slack).toBeUndefined();
  });

  it("refuses shapes Slack could not use, naming the part at fault", () => {
    expect(refusal({ token: TOKEN, slack: "C0123ABC" }).field).toBe("slack");
    expect(refusal({ token: TOKEN, slack: {} }).field).toBe("slack");
    expect(refusal({ token: TOKEN, slack: { directMessages: false } }).field).toBe("slack");
    expect(refusal({ token: TOKEN, slack: { channel: "<!channel>" } }).field).toBe("slack.channel");
    expect(refusal({ token: TOKEN, slack: { channel: "" } }).field).toBe("slack.channel");
    expect(refusal({ token: TOKEN, slack: { directMessages: "yes" } }).field).toBe(
      "slack.directMessages",
    );
    expect(refusal({ token: TOKEN, slack: { channel: "C0123ABC", users: ["U1"] } }).field).toBe(
      "slack",
    );
  });
});

describe("Slack's configuration", () => {
  it("is off without either secret", () => {
    expect(readSlackConfig({})).toBeUndefined();
  });

  it("is on with both, defaulting to Slack's own Web API", () => {
    expect(
      readSlackConfig({ SIGNOFF_SLACK_BOT_TOKEN: "xoxb-1", SIGNOFF_SLACK_SIGNING_SECRET: "abc" }),
    ).toEqual({ botToken: "xoxb-1", signingSecret: "abc", apiUrl: "https://slack.com/api/" });
    expect(
      readSlackConfig({
        SIGNOFF_SLACK_BOT_TOKEN: "xoxb-1",
        SIGNOFF_SLACK_SIGNING_SECRET: "abc",
        SIGNOFF_SLACK_API_URL: "http://127.0.0.1:8087/api",
      })?.apiUrl,
    ).toBe("http://127.0.0.1:8087/api/");
  });

  it("names what is missing when half set, without echoing any secret", () => {
    let error: unknown;
    try {
      readSlackConfig({ SIGNOFF_SLACK_BOT_TOKEN: "xoxb-very-secret" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.variable)).toEqual(["SIGNOFF_SLACK_SIGNING_SECRET"]);
    expect((error as Error).message).not.toContain("xoxb-very-secret");
    expect(() =>
      readSlackConfig({
        SIGNOFF_SLACK_BOT_TOKEN: "x",
        SIGNOFF_SLACK_SIGNING_SECRET: "y",
        SIGNOFF_SLACK_API_URL: "ftp://nope",
      }),
    ).toThrow(/SIGNOFF_SLACK_API_URL/);
  });
});
