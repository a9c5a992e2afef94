/**
 * Fixture state machines for end-to-end tests, as a state machine author would write them:
 * one waitForTaskToken Task calling request-approval, with the request fields a test needs read
 * from the execution input.
 */

export interface ApprovalWorkflowOptions {
  /** Request fields read from the input as `"<field>.$": "$.<field>"`, besides the usual ones. */
  fields?: readonly string[];
  /** More Payload entries as written, e.g. `{ "task.$": "$$.Task" }`. */
  payload?: Record<string, unknown>;
  /** Extra Task properties, e.g. `HeartbeatSeconds`. */
  task?: Record<string, unknown>;
  /** Extra Task Parameters besides FunctionName and Payload, e.g. `InvocationType`. */
  parameters?: Record<string, unknown>;
  /** False: no Catch, so a rejection or deadline fails the execution with its error. */
  catchErrors?: boolean;
}

/**
 * Request → Approved (Succeed, the task's output); Approval.Rejected, Approval.TimedOut and
 * States.HeartbeatTimeout are caught (unless `catchErrors` is false) and end in a Pass state
 * named after them, with the error under `$.error`.
 */
export function approvalWorkflow(options: ApprovalWorkflowOptions = {}): object {
  const payload: Record<string, unknown> = {
    "taskToken.$": "$$.Task.Token",
    "executionArn.$": "$$.Execution.Id",
    "approvers.$": "$.approvers",
    "subject.$": "$.subject",
    "timeoutSeconds.$": "$.timeoutSeconds",
  };
  for (const field of options.fields ?? []) payload[`${field}.$`] = `$.${field}`;
  Object.assign(payload, options.payload);
  const caught = (error: string, next: string) => ({
    ErrorEquals: [error],
    ResultPath: "$.error",
    Next: next,
  });
  const task = {
    Type: "Task",
    Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
    Parameters: { FunctionName: "request-approval", Payload: payload, ...options.parameters },
    ...options.task,
  };
  if (options.catchErrors === false) {
    return { StartAt: "RequestApproval", States: { RequestApproval: { ...task, End: true } } };
  }
  return {
    StartAt: "RequestApproval",
    States: {
      RequestApproval: {
        ...task,
        Catch: [
          caught("Approval.Rejected", "Rejected"),
          caught("Approval.TimedOut", "TimedOut"),
          // The alarm for a dead approval service: signoff stopped sending heartbeats.
          caught("States.HeartbeatTimeout", "ApprovalServiceDown"),
        ],
        Next: "Approved",
      },
      Approved: { Type: "Succeed" },
      Rejected: { Type: "Pass", End: true },
      TimedOut: { Type: "Pass", End: true },
      ApprovalServiceDown: { Type: "Pass", End: true },
    },
  };
}
