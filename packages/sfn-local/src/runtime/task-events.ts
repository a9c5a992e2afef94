import type { TaskState } from "../definition/compiled-types.ts";
import type { JsonValue } from "../json.ts";
import type { StateHost } from "./state-host.ts";

/** Records the history events of one Task attempt with AWS's event types and details. */
export interface TaskEvents {
  scheduled(): void;
  started(): void;
  submitted(output: JsonValue): void;
  succeeded(outputText: string): void;
  failed(error: string | undefined, cause: string | undefined): void;
  timedOut(error: string): void;
}

const DATA = { truncated: false };

function errorDetails(error: string | undefined, cause: string | undefined) {
  const details: Record<string, unknown> = {};
  if (error !== undefined) details.error = error;
  if (cause !== undefined) details.cause = cause;
  return details;
}

/**
 * The events for a Task state's attempt. A Lambda function ARN as Resource gives the
 * LambdaFunction* events, an optimized integration (lambda:invoke) the Task* events, as on AWS.
 */
export function taskEvents(
  host: StateHost,
  state: TaskState,
  parameters: JsonValue,
  limits: { timeoutSeconds?: number; heartbeatSeconds?: number },
): TaskEvents {
  const { resource } = state;
  if (resource.kind === "lambda-arn") {
    return {
      scheduled: () => {
        const details: Record<string, unknown> = {
          resource: resource.arn,
          input: JSON.stringify(parameters),
          inputDetails: DATA,
        };
        if (limits.timeoutSeconds !== undefined) details.timeoutInSeconds = limits.timeoutSeconds;
        host.record("LambdaFunctionScheduled", details);
      },
      started: () => host.record("LambdaFunctionStarted"),
      submitted: () => {},
      succeeded: (output) =>
        host.record("LambdaFunctionSucceeded", { output, outputDetails: DATA }),
      failed: (error, cause) => host.record("LambdaFunctionFailed", errorDetails(error, cause)),
      timedOut: (error) => host.record("LambdaFunctionTimedOut", errorDetails(error, undefined)),
    };
  }
  const base = {
    resourceType: "lambda",
    resource: resource.arn.slice("arn:aws:states:::lambda:".length),
  };
  return {
    scheduled: () => {
      const details: Record<string, unknown> = {
        ...base,
        region: host.scope.services.region,
        parameters: JSON.stringify(parameters),
      };
      if (limits.timeoutSeconds !== undefined) details.timeoutInSeconds = limits.timeoutSeconds;
      if (limits.heartbeatSeconds !== undefined) {
        details.heartbeatInSeconds = limits.heartbeatSeconds;
      }
      host.record("TaskScheduled", details);
    },
    started: () => host.record("TaskStarted", base),
    submitted: (output) =>
      host.record("TaskSubmitted", {
        ...base,
        output: JSON.stringify(output),
        outputDetails: DATA,
      }),
    succeeded: (output) => host.record("TaskSucceeded", { ...base, output, outputDetails: DATA }),
    failed: (error, cause) => host.record("TaskFailed", { ...base, ...errorDetails(error, cause) }),
    timedOut: (error) => host.record("TaskTimedOut", { ...base, error }),
  };
}
