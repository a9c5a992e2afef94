/** What went wrong while configuring or starting the local stack. */
export type LocalStackErrorCode =
  | "INVALID_CONFIG"
  | "PORT_IN_USE"
  | "START_FAILED"
  | "INVALID_WORKFLOW"
  | "TABLE_MISMATCH";

/**
 * The one error type of packages/local. Its message is a single line meant for a terminal:
 * it names the service (and port, variable or file) so the reader knows what to change.
 */
export class LocalStackError extends Error {
  override readonly name = "LocalStackError";
  readonly code: LocalStackErrorCode;
  /** The service the error is about, e.g. "DynamoDB", when there is one. */
  readonly service: string | undefined;

  constructor(
    code: LocalStackErrorCode,
    message: string,
    options: { service?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.service = options.service;
  }
}
