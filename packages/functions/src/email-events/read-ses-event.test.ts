import { describe, expect, it } from "vitest";
import { randomApprovalId } from "../test-support/approval-fixture.ts";
import { sesEvent } from "../test-support/ses-events.ts";
import { readSesEvent, type SesEmailEvent } from "./read-ses-event.ts";

const approvalId = randomApprovalId();

describe("readSesEvent", () => {
  it("reads each problem's approval, recipient, kind, time and SES's own classification", () => {
    const at = "2026-03-01T12:05:00.000Z";
    const read = (kind: Parameters<typeof sesEvent>[0]) =>
      readSesEvent(sesEvent(kind, { approvalId, to: "ann@example.com", id: `id-${kind}` }));
    const common = { approvalId, recipients: ["ann@example.com"], email: "request" };
    expect(read("bounce")).toEqual({
      ok: true,
      report: {
        ...common,
        eventId: "id-bounce",
        kind: "bounce",
        at,
        bounceType: "Permanent",
        bounceSubType: "General",
      },
    });
    expect(read("complaint")).toEqual({
      ok: true,
      report: { ...common, eventId: "id-complaint", kind: "complaint", at, complaintType: "abuse" },
    });
    expect(read("delay")).toEqual({
      ok: true,
      report: { ...common, eventId: "id-delay", kind: "delay", at, delayType: "MailboxFull" },
    });
    // A rejection carries no time of its own: the mail's (sent a minute before).
    expect(read("reject")).toEqual({
      ok: true,
      report: { ...common, eventId: "id-reject", kind: "reject", at: "2026-03-01T12:04:00.000Z" },
    });
  });

  it("names the approver the mail was sent to, even when the bounce names where it was forwarded", () => {
    const event = sesEvent("bounce", { approvalId, to: "ann@example.com" });
    event.detail.bounce!.bouncedRecipients = [{ emailAddress: "ann.smith@forwarded.example" }];
    expect(readSesEvent(event)).toMatchObject({ report: { recipients: ["ann@example.com"] } });

    const noDestination = sesEvent("complaint", { approvalId, to: "bob@example.com" });
    delete noDestination.detail.mail!.destination;
    expect(readSesEvent(noDestination)).toMatchObject({
      report: { recipients: ["bob@example.com"] },
    });
  });

  it("ignores other events and other mail, and what lacks an id, a recipient or a time", () => {
    const event = sesEvent("bounce", { approvalId, to: "ann@example.com" });
    const reading = (changed: Partial<SesEmailEvent>) => readSesEvent({ ...event, ...changed });
    expect(reading({ "detail-type": "Email Delivered" as never })).toEqual({
      ok: false,
      reason: "not-a-problem",
    });
    expect(reading({ source: "aws.states" })).toMatchObject({ reason: "not-a-problem" });
    expect(readSesEvent(sesEvent("bounce", { to: "ann@example.com" }))).toMatchObject({
      reason: "not-ours",
    });
    const forged = sesEvent("bounce", { approvalId, to: "ann@example.com" });
    forged.detail.mail!.tags!["signoff-approval"] = ["../../etc/passwd"];
    expect(readSesEvent(forged)).toMatchObject({ reason: "not-ours" });
    expect(reading({ id: "" })).toMatchObject({ reason: "malformed" });
    const nobody = sesEvent("reject", { approvalId, to: "not an address" });
    expect(readSesEvent(nobody)).toMatchObject({ reason: "malformed" });
    const timeless = sesEvent("bounce", { approvalId, to: "ann@example.com" });
    delete timeless.detail.bounce!.timestamp;
    expect(readSesEvent({ ...timeless, time: "yesterday" })).toMatchObject({
      reason: "malformed",
    });
  });

  it("keeps only short single-line values of SES's fields", () => {
    const event = sesEvent("bounce", { approvalId, to: "ann@example.com" });
    event.detail.bounce!.bounceSubType = `General\n${"x".repeat(100)}`;
    const reading = readSesEvent(event);
    expect(reading.ok && reading.report.bounceSubType).toBeUndefined();
    expect(reading.ok && reading.report.bounceType).toBe("Permanent");
  });
});
