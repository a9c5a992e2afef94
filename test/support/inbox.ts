/**
 * The SES emulator's inbox, read through its JSON store (`GET <inbox>store`). The store is one
 * per process and shared by every test in a file, so mail is always found by recipient and a
 * subject unique to the test.
 */
import { pollUntil } from "./poll.ts";

/** A message as the SES emulator stores it. */
export interface InboxMail {
  messageId: string;
  from: string;
  destination: { to: string[]; cc: string[]; bcc: string[] };
  subject: string;
  body: { text?: string; html?: string };
  /** Epoch seconds. */
  at: number;
}

/** Every message the emulator holds, oldest first. */
export async function readInbox(inboxUrl: string): Promise<InboxMail[]> {
  const response = await fetch(`${inboxUrl}store`);
  if (!response.ok) throw new Error(`the SES inbox answered ${response.status}`);
  const store = (await response.json()) as { emails: InboxMail[] };
  return store.emails;
}

/** Messages to `to` whose subject contains `subject`. */
export async function findMail(inboxUrl: string, to: string, subject: string) {
  const mail = await readInbox(inboxUrl);
  return mail.filter((m) => m.destination.to.includes(to) && m.subject.includes(subject));
}

/** Waits for the first message to `to` whose subject contains `subject`. */
export async function waitForMail(inboxUrl: string, to: string, subject: string) {
  return pollUntil(`mail to ${to} about "${subject}"`, async () => {
    const [first] = await findMail(inboxUrl, to, subject);
    return first;
  });
}

/** The approve and reject URLs of a request email, from its text part. */
export function linksIn(mail: InboxMail): { approve: string; reject: string } {
  const text = mail.body.text ?? "";
  const approve = /^Approve: (\S+)$/m.exec(text)?.[1];
  const reject = /^Reject: (\S+)$/m.exec(text)?.[1];
  if (!approve || !reject) {
    throw new Error(`the mail "${mail.subject}" to ${mail.destination.to} lacks its two links`);
  }
  return { approve, reject };
}
