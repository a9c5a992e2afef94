/**
 * Verifying that a request comes from Slack, exactly as Slack documents it ("Verifying requests
 * from Slack"): the base string `v0:<X-Slack-Request-Timestamp>:<raw body>`, HMAC-SHA256 keyed
 * with the app's signing secret, hex, prefixed `v0=`, compared with `X-Slack-Signature` in
 * constant time; a timestamp more than five minutes from now (either way) is refused, so a
 * captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** Slack's replay window: five minutes, either side of now. */
export const SLACK_MAX_SKEW_SECONDS = 5 * 60;

export interface SlackSignatureInput {
  signingSecret: string;
  /** `X-Slack-Request-Timestamp`: Unix seconds. */
  timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=<hex>`. */
  signature: string | undefined;
  /** The body exactly as received, before any parsing. */
  rawBody: string;
  /** Default: now. */
  now?: Date;
}

export type SlackSignatureCheck =
  | { ok: true }
  | { ok: false; reason: "missing-headers" | "stale" | "bad-signature" };

/** Checks a request's Slack signature; see the file comment. */
export function verifySlackSignature(input: SlackSignatureInput): SlackSignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !signature) return { ok: false, reason: "missing-headers" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "stale" };
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowSeconds - Number(timestamp)) > SLACK_MAX_SKEW_SECONDS) {
    return { ok: false, reason: "stale" };
  }
  const expected = Buffer.from(signSlackRequest(input.signingSecret, timestamp, input.rawBody));
  const given = Buffer.from(signature);
  // timingSafeEqual needs equal lengths; a length mismatch is a forgery either way.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: "bad-signature" };
  }
  return { ok: true };
}

/** `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`: what Slack sends as X-Slack-Signature. */
export function signSlackRequest(
  signingSecret: string,
  timestamp: string,
  rawBody: string,
): string {
  const hmac = createHmac("sha256", signingSecret).update(`v0:${timestamp}:${rawBody}`, "utf8");
  return `v0=${hmac.digest("hex")}`;
}
