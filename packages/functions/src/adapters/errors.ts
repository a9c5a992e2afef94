/**
 * Errors the adapters throw for the unexpected. Expected outcomes (lost races, closed tasks) are
 * values per the ports; these are for contention that does not clear, bad cursors, and AWS
 * failures no port result describes. None of them carries an AWS message or a task token.
 */

export const ApprovalStoreErrorCode = {
  /** A conditional write kept losing to concurrent writers. */
  Contention: "contention",
  /** A `listDue` cursor that this store did not produce. */
  InvalidCursor: "invalid-cursor",
  /** A conditional write failed yet the item read back does not explain why. */
  Inconsistent: "inconsistent",
  /** An approval a caller expected to exist (to append its audit events to) does not. */
  NotFound: "not-found",
} as const;
export type ApprovalStoreErrorCode =
  (typeof ApprovalStoreErrorCode)[keyof typeof ApprovalStoreErrorCode];

/** Thrown by the DynamoDB approval store when a write cannot be completed or explained. */
export class ApprovalStoreError extends Error {
  override readonly name = "ApprovalStoreError";
  readonly code: ApprovalStoreErrorCode;
  readonly approvalId: string | undefined;

  constructor(
    code: ApprovalStoreErrorCode,
    message: string,
    options: { approvalId?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.approvalId = options.approvalId;
  }
}

/**
 * Thrown by the Step Functions callback for an AWS error that is neither a closed task nor a
 * temporary failure (access denied, validation, ...). It keeps the AWS error name and HTTP status
 * but deliberately no `cause`: the SDK's message and request can echo the task token.
 */
export class TaskCallbackError extends Error {
  override readonly name = "TaskCallbackError";
  readonly code = "unexpected-aws-error";
  /** The AWS error name, e.g. `AccessDeniedException`. */
  readonly awsError: string;
  readonly httpStatus: number | undefined;

  constructor(awsError: string, httpStatus: number | undefined) {
    super(`Step Functions refused the callback: ${awsError}`);
    this.awsError = awsError;
    this.httpStatus = httpStatus;
  }
}

/** Thrown by the SES mailer when SES does not accept a message. */
export class EmailSendError extends Error {
  override readonly name = "EmailSendError";
  readonly code = "email-send-failed";
  /** The AWS error name, e.g. `MessageRejected`. */
  readonly awsError: string;
  /** Throttling, 5xx or network trouble: sending again later may work. */
  readonly retryable: boolean;

  constructor(awsError: string, retryable: boolean, options: { cause?: unknown } = {}) {
    super(`SES did not send the approval email: ${awsError}`, { cause: options.cause });
    this.awsError = awsError;
    this.retryable = retryable;
  }
}

/** Thrown when SQS does not take some of the shards a sweeper hands on; they stay due. */
export class ShardQueueError extends Error {
  override readonly name = "ShardQueueError";
  readonly code = "hand-off-failed";
  readonly shards: readonly string[];

  constructor(message: string, shards: readonly string[]) {
    super(message);
    this.shards = shards;
  }
}
