import type { Backend } from "./backend.ts";
import {
  describeExecution,
  getExecutionHistory,
  listExecutions,
  startExecution,
  stopExecution,
} from "./execution-operations.ts";
import type { RequestBody } from "./request-fields.ts";
import {
  createStateMachine,
  deleteStateMachine,
  describeStateMachine,
  listStateMachines,
  updateStateMachine,
} from "./state-machine-operations.ts";
import { sendTaskFailure, sendTaskHeartbeat, sendTaskSuccess } from "./task-operations.ts";

/** Handles one Step Functions API operation; the result is the JSON response body. */
export type Operation = (backend: Backend, body: RequestBody) => unknown;

/** The operations sfn-local serves, by the name in `X-Amz-Target: AWSStepFunctions.<name>`. */
export const operations: Readonly<Record<string, Operation>> = {
  CreateStateMachine: createStateMachine,
  UpdateStateMachine: updateStateMachine,
  DescribeStateMachine: describeStateMachine,
  ListStateMachines: listStateMachines,
  DeleteStateMachine: deleteStateMachine,
  StartExecution: startExecution,
  DescribeExecution: describeExecution,
  ListExecutions: listExecutions,
  StopExecution: stopExecution,
  GetExecutionHistory: getExecutionHistory,
  SendTaskSuccess: sendTaskSuccess,
  SendTaskFailure: sendTaskFailure,
  SendTaskHeartbeat: sendTaskHeartbeat,
};
