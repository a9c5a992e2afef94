/**
 * The TaskCallback port over Step Functions. The token is plaintext only inside these calls, and
 * what comes back names the AWS error with a fixed description: AWS messages can echo the token.
 */
import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import type { TaskCallback, TaskCallbackFailureReason, TaskCallbackResult } from "@signoff/core";
import { awsErrorName, awsHttpStatus, isRetryableAwsError } from "./aws-error.ts";
import { TaskCallbackError } from "./errors.ts";

export interface SfnTaskCallbackOptions {
  client: SFNClient;
}

const KNOWN_ERRORS: Record<string, { reason: TaskCallbackFailureReason; description: string }> = {
  TaskTimedOut: {
    reason: "task-timed-out",
    description: "the task has already closed (succeeded, failed, timed out or stopped)",
  },
  TaskDoesNotExist: { reason: "task-does-not-exist", description: "no task has this token" },
  InvalidToken: { reason: "invalid-token", description: "the task token is malformed" },
  InvalidOutput: { reason: "invalid-output", description: "the output is not valid JSON" },
};

const RETRYABLE_DESCRIPTION =
  "temporary failure (throttling, service error or network); retry later";

/** Creates the Step Functions-backed TaskCallback. */
export function createSfnTaskCallback(options: SfnTaskCallbackOptions): TaskCallback {
  const { client } = options;
  return {
    sendSuccess: (taskToken, output) =>
      call(() => client.send(new SendTaskSuccessCommand({ taskToken, output }))),
    sendFailure: (taskToken, error, cause) =>
      call(() => client.send(new SendTaskFailureCommand({ taskToken, error, cause }))),
    sendHeartbeat: (taskToken) =>
      call(() => client.send(new SendTaskHeartbeatCommand({ taskToken }))),
  };
}

async function call(send: () => Promise<unknown>): Promise<TaskCallbackResult> {
  try {
    await send();
    return { ok: true };
  } catch (error) {
    return toResult(error);
  }
}

/** How many times the SDK client sent the request that failed (1 when it never retried). */
function sdkAttempts(error: unknown): number {
  const attempts = (error as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  return typeof attempts === "number" ? attempts : 1;
}

/**
 * Closed tasks and bad input are results; temporary trouble is `retryable`; anything else
 * (access denied, validation) is unexpected and throws, without the SDK error as its cause.
 */
function toResult(error: unknown): TaskCallbackResult {
  const name = awsErrorName(error);
  const known = Object.hasOwn(KNOWN_ERRORS, name) ? KNOWN_ERRORS[name] : undefined;
  if (known) {
    const result: TaskCallbackResult = {
      ok: false,
      reason: known.reason,
      message: `${name}: ${known.description}`,
    };
    // The SDK retries a lost response by itself; the answer to its retry may be about our send.
    if (sdkAttempts(error) > 1) result.resent = true;
    return result;
  }
  if (isRetryableAwsError(error)) {
    return { ok: false, reason: "retryable", message: `${name}: ${RETRYABLE_DESCRIPTION}` };
  }
  throw new TaskCallbackError(name, awsHttpStatus(error));
}
