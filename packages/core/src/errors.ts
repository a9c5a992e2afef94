/**
 * The exceptions core throws. Expected outcomes are values; these are for the unexpected
 * (bad configuration, a bug, a key that is gone). Each sets `name`, keeps `cause` and carries a
 * literal `code` so callers can branch without string-matching messages.
 */
/** A keyring string or key list is unusable; the message names the problem, never a secret. */
export class KeyringError extends Error {
  readonly code = "invalid-keyring";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KeyringError";
  }
}

/** `not-bound`: it decrypted, but to the token of another approval. */
export type TokenDecryptFailure = "malformed" | "unknown-key" | "decrypt-failed" | "not-bound";

/**
 * A stored task token could not be decrypted. The message and `reason` never contain the token
 * or the ciphertext; `kid` is the key id from the header when there was one.
 */
export class TokenDecryptError extends Error {
  readonly code = "token-decrypt-failed";
  readonly reason: TokenDecryptFailure;
  readonly kid: string | undefined;

  constructor(reason: TokenDecryptFailure, kid: string | undefined, options?: ErrorOptions) {
    super(
      `task token could not be decrypted (${reason}${kid === undefined ? "" : `, kid "${kid}"`})`,
      options,
    );
    this.name = "TokenDecryptError";
    this.reason = reason;
    this.kid = kid;
  }
}

/** A state change that the approval model forbids was attempted: a bug, not a race. */
export class InvalidTransitionError extends Error {
  readonly code = "invalid-transition";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidTransitionError";
  }
}

/** `buildCallback` was asked for the callback of an approval whose outcome calls nobody back. */
export class CallbackOutcomeError extends Error {
  readonly code = "no-callback-outcome";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CallbackOutcomeError";
  }
}

/**
 * Some approvers could not be emailed. Thrown by `requestApproval` after every other approver
 * was tried, so a retried invocation (same task token) emails only the ones still missing.
 */
export class EmailDeliveryError extends Error {
  readonly code = "email-delivery-failed";
  readonly approvalId: string;
  /** Lower-cased emails that were not sent. */
  readonly failed: readonly string[];

  constructor(approvalId: string, failed: readonly string[], options?: ErrorOptions) {
    super(`approval ${approvalId}: ${failed.length} approval email(s) could not be sent`, options);
    this.name = "EmailDeliveryError";
    this.approvalId = approvalId;
    this.failed = failed;
  }
}

/**
 * The request could not be emailed to every approver, and this was the last attempt allowed:
 * the approval is CANCELLED ("undeliverable") and its task was told `Approval.DeliveryFailed`.
 * Named as the task's error, so a synchronous invocation fails the Task with the same name.
 */
export class RequestUndeliverableError extends Error {
  override readonly name = "Approval.DeliveryFailed";
  readonly code = "request-undeliverable";
  readonly approvalId: string;
  /** Lower-cased emails the request never reached. */
  readonly undelivered: readonly string[];

  constructor(approvalId: string, undelivered: readonly string[], options?: ErrorOptions) {
    super(
      `approval ${approvalId}: the request could not be emailed to ${undelivered.length} approver(s) after every attempt; the task was failed with Approval.DeliveryFailed`,
      options,
    );
    this.approvalId = approvalId;
    this.undelivered = undelivered;
  }
}
