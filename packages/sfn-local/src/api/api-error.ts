/**
 * Error names the Step Functions API answers with. The SDK maps each `__type` to its own
 * exception class, so these must match the names in @aws-sdk/client-sfn exactly.
 */
export const ApiErrorCode = {
  ExecutionAlreadyExists: "ExecutionAlreadyExists",
  ExecutionDoesNotExist: "ExecutionDoesNotExist",
  InvalidArn: "InvalidArn",
  InvalidDefinition: "InvalidDefinition",
  InvalidExecutionInput: "InvalidExecutionInput",
  InvalidName: "InvalidName",
  InvalidOutput: "InvalidOutput",
  InvalidToken: "InvalidToken",
  SerializationException: "SerializationException",
  StateMachineAlreadyExists: "StateMachineAlreadyExists",
  StateMachineDoesNotExist: "StateMachineDoesNotExist",
  StateMachineTypeNotSupported: "StateMachineTypeNotSupported",
  TaskDoesNotExist: "TaskDoesNotExist",
  TaskTimedOut: "TaskTimedOut",
  UnknownOperationException: "UnknownOperationException",
  ValidationException: "ValidationException",
} as const;

export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** An expected API failure, answered as HTTP 400 `{"__type": code, "message": message}`. */
export class SfnApiError extends Error {
  readonly code: ApiErrorCode;

  constructor(code: ApiErrorCode, message: string) {
    super(message);
    this.name = "SfnApiError";
    this.code = code;
  }
}
