import { randomUUID } from "node:crypto";
import type { Execution } from "../runtime/execution.ts";
import type { ExecutionStatusChangeEvent } from "../types.ts";
import type { ArnScope } from "./arns.ts";

/** The EventBridge event AWS sends when an execution starts or ends. */
export function statusChangeEvent(
  execution: Execution,
  scope: ArnScope,
): ExecutionStatusChangeEvent {
  const { info } = execution;
  const at = execution.stopDate ?? info.startTime;
  const ended = execution.status !== "RUNNING";
  const detail: ExecutionStatusChangeEvent["detail"] = {
    executionArn: info.arn,
    stateMachineArn: info.stateMachineArn,
    name: info.name,
    status: execution.status,
    startDate: info.startTime.getTime(),
    stopDate: execution.stopDate?.getTime() ?? null,
    input: execution.inputText,
    inputDetails: { included: true },
    output: execution.outputText ?? null,
    outputDetails: execution.outputText === undefined ? null : { included: true },
    redriveCount: 0,
    redriveStatus: "NOT_REDRIVABLE",
  };
  if (ended && execution.status !== "SUCCEEDED") {
    detail.error = execution.error ?? null;
    detail.cause = execution.cause ?? null;
  }
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account: scope.accountId,
    // EventBridge event times have whole seconds.
    time: at.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: scope.region,
    resources: [info.arn],
    detail,
  };
}
