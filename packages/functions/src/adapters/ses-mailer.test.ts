import { SESv2Client } from "@aws-sdk/client-sesv2";
import type { DecisionEmail } from "@signoff/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApproval } from "../test-support/approval-fixture.ts";
import {
  type SesEmulator,
  type StoredEmail,
  startSesInbox,
  TEST_AWS,
} from "../test-support/emulators.ts";
import { EmailSendError } from "./errors.ts";
import { createSesMailer } from "./ses-mailer.ts";
import { APPROVAL_TAG, EMAIL_KIND_TAG } from "./ses-tags.ts";

let ses: SesEmulator;

beforeAll(async () => {
  ses = await startSesInbox();
});

afterAll(async () => {
  await ses?.stop();
});

function requestEmail(to: string): DecisionEmail {
  const { tokenCiphertext: _token, ...approval } = makeApproval({
    subject: "Ship <b>1.4</b>",
    details: { note: "<script>alert(1)</script>", "<img src=x onerror=alert(2)>": "key" },
    context: { ticket: '"><svg onload=alert(3)>' },
  });
  return {
    kind: "request",
    to,
    approval,
    approveUrl: `https://approvals.example.com/a/approve-link-for-${to}?x=1&y=2`,
    rejectUrl: `https://approvals.example.com/a/reject-link-for-${to}`,
  };
}

/** A client to the emulator that notes each SendEmail request body as it goes out. */
function notingClient(): { client: SESv2Client; sent: Record<string, unknown>[] } {
  const client = new SESv2Client({ ...TEST_AWS, endpoint: ses.endpoint });
  const sent: Record<string, unknown>[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      const body = (args.request as { body?: unknown }).body;
      const text = body instanceof Uint8Array ? new TextDecoder().decode(body) : String(body);
      sent.push(JSON.parse(text) as Record<string, unknown>);
      return next(args);
    },
    { step: "finalizeRequest", name: "noteSentBody" },
  );
  return { client, sent };
}

async function mailTo(to: string): Promise<StoredEmail> {
  const mail = (await ses.readMail()).filter((message) => message.destination.to.includes(to));
  expect(mail).toHaveLength(1);
  return mail[0]!;
}

describe("SES mailer", () => {
  it("sends the approval email with subject, both links and a text part", async () => {
    const mailer = createSesMailer({ client: ses.client, from: "signoff@example.com" });
    const email = requestEmail("ann@example.com");
    await mailer.sendApprovalEmail(email);

    const message = await mailTo("ann@example.com");
    expect(message.from).toContain("signoff@example.com");
    expect(message.subject).toBe("Approval requested: Ship <b>1.4</b>");
    expect(message.body.html).toContain(
      'href="https://approvals.example.com/a/approve-link-for-ann@example.com?x=1&amp;y=2"',
    );
    expect(message.body.html).toContain(
      'href="https://approvals.example.com/a/reject-link-for-ann@example.com"',
    );
    expect(message.body.text).toContain(email.approveUrl);
    expect(message.body.text).toContain(email.rejectUrl);
  });

  it("escapes hostile details and context and opens links in a new tab", async () => {
    const mailer = createSesMailer({ client: ses.client, from: "signoff@example.com" });
    await mailer.sendApprovalEmail(requestEmail("bob@example.com"));

    const html = (await mailTo("bob@example.com")).body.html ?? "";
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<svg");
    expect(html).toContain("Ship &lt;b&gt;1.4&lt;/b&gt;");
    const anchors = html.match(/<a [^>]*>/g) ?? [];
    expect(anchors).toHaveLength(2);
    for (const anchor of anchors) {
      expect(anchor).toContain('target="_blank"');
      expect(anchor).toContain('rel="noopener noreferrer"');
    }
  });

  it("sends through the configuration set, tagging each email with its approval and kind", async () => {
    const { client, sent } = notingClient();
    const mailer = createSesMailer({
      client,
      from: "signoff@example.com",
      configurationSetName: "signoff-prod",
    });
    const email = requestEmail("fay@example.com");
    const { tokenCiphertext: _token, ...settled } = makeApproval({ status: "CANCELLED" });
    await mailer.sendApprovalEmail(email);
    await mailer.sendApprovalEmail({ kind: "cancelled", to: "fay@example.com", approval: settled });
    client.destroy();

    expect(sent.map((body) => [body.ConfigurationSetName, body.EmailTags])).toEqual([
      [
        "signoff-prod",
        [
          { Name: APPROVAL_TAG, Value: email.approval.id },
          { Name: EMAIL_KIND_TAG, Value: "request" },
        ],
      ],
      [
        "signoff-prod",
        [
          { Name: APPROVAL_TAG, Value: settled.id },
          { Name: EMAIL_KIND_TAG, Value: "cancelled" },
        ],
      ],
    ]);
    // aws-ses-v2-local accepts both fields and delivers the mail.
    const delivered = (await ses.readMail()).filter((m) =>
      m.destination.to.includes("fay@example.com"),
    );
    expect(delivered).toHaveLength(2);
  });

  it("sends neither the set nor tags without a configuration set", async () => {
    const { client, sent } = notingClient();
    await createSesMailer({ client, from: "signoff@example.com" }).sendApprovalEmail(
      requestEmail("gus@example.com"),
    );
    client.destroy();
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toHaveProperty("ConfigurationSetName");
    expect(sent[0]).not.toHaveProperty("EmailTags");
  });

  it("refuses, before sending, an approval id SES would not take as a tag value", async () => {
    const mailer = createSesMailer({
      client: ses.client,
      from: "signoff@example.com",
      configurationSetName: "signoff-prod",
    });
    const email = requestEmail("hal@example.com");
    const bad = { ...email, approval: { ...email.approval, id: "not a tag value!" } };
    await expect(mailer.sendApprovalEmail(bad)).rejects.toThrow(/signoff-approval/);
    expect((await ses.readMail()).some((m) => m.destination.to.includes("hal@example.com"))).toBe(
      false,
    );
  });

  it("reports a message SES refuses as a final EmailSendError", async () => {
    const mailer = createSesMailer({ client: ses.client, from: "" });
    const error = await mailer.sendApprovalEmail(requestEmail("dan@example.com")).catch((e) => e);
    expect(error).toBeInstanceOf(EmailSendError);
    expect(error).toMatchObject({ code: "email-send-failed", retryable: false });
  });

  it("reports an unreachable SES as a retryable EmailSendError", async () => {
    const unreachable = new SESv2Client({
      ...TEST_AWS,
      endpoint: "http://127.0.0.1:9",
      maxAttempts: 1,
    });
    const mailer = createSesMailer({ client: unreachable, from: "signoff@example.com" });
    const error = await mailer.sendApprovalEmail(requestEmail("eve@example.com")).catch((e) => e);
    unreachable.destroy();
    expect(error).toMatchObject({ name: "EmailSendError", retryable: true });
  });
});
