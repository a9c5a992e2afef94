import { randomUUID } from "node:crypto";
import { tryParseJson } from "../json.ts";
import { Execution } from "../runtime/execution.ts";
import { renderHistoryEvent } from "../runtime/history.ts";
import { ApiErrorCode, SfnApiError } from "./api-error.ts";
import { checkExecutionArn, checkName, executionArn } from "./arns.ts";
import type { Backend } from "./backend.ts";
import { paginate } from "./paging.ts";
import {
  checkLength,
  optionalBoolean,
  optionalInteger,
  optionalString,
  type RequestBody,
  requireString,
} from "./request-fields.ts";
import { findStateMachine } from "./state-machine-operations.ts";

const STATUSES = new Set([
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "TIMED_OUT",
  "ABORTED",
  "PENDING_REDRIVE",
]);

const seconds = (date: Date) => date.getTime() / 1000;

function findExecution(backend: Backend, arn: string): Execution {
  checkExecutionArn(arn);
  const execution = backend.executions.get(arn);
  if (!execution) {
    throw new SfnApiError(ApiErrorCode.ExecutionDoesNotExist, `Execution Does Not Exist: '${arn}'`);
  }
  return execution;
}

/**
 * StartExecution. As on AWS, the same name and input as a *running* execution returns that
 * execution; a different input, or a name whose execution has ended, is ExecutionAlreadyExists.
 */
export function startExecution(backend: Backend, body: RequestBody) {
  const stateMachine = findStateMachine(backend, requireString(body, "stateMachineArn"));
  const name = optionalString(body, "name") ?? randomUUID();
  checkName(name);
  const inputText = optionalString(body, "input") ?? "{}";
  checkLength("input", inputText, 0, 262_144);
  const input = tryParseJson(inputText);
  if (!input) {
    throw new SfnApiError(
      ApiErrorCode.InvalidExecutionInput,
      "Invalid State Machine Execution Input: 'Unexpected input; the input must be JSON'",
    );
  }
  const arn = executionArn(backend.scope, stateMachine.name, name);
  const existing = backend.executions.get(arn);
  if (existing) {
    if (existing.status === "RUNNING" && existing.inputText === inputText) {
      return { executionArn: arn, startDate: seconds(existing.info.startTime) };
    }
    throw new SfnApiError(
      ApiErrorCode.ExecutionAlreadyExists,
      `Execution Already Exists: '${arn}'`,
    );
  }
  const execution = new Execution({
    info: {
      arn,
      name,
      input: input.value,
      startTime: new Date(),
      roleArn: stateMachine.roleArn,
      stateMachineArn: stateMachine.arn,
      stateMachineName: stateMachine.name,
    },
    inputText,
    definition: stateMachine.definition,
    services: backend.services,
    onStatusChange: (changed) => backend.notify(changed),
  });
  backend.executions.set(arn, execution);
  stateMachine.executions.push(execution);
  execution.start();
  return { executionArn: arn, startDate: seconds(execution.info.startTime) };
}

/** DescribeExecution. */
export function describeExecution(backend: Backend, body: RequestBody) {
  const execution = findExecution(backend, requireString(body, "executionArn"));
  const { info } = execution;
  return {
    executionArn: info.arn,
    stateMachineArn: info.stateMachineArn,
    name: info.name,
    status: execution.status,
    startDate: seconds(info.startTime),
    stopDate: execution.stopDate && seconds(execution.stopDate),
    input: execution.inputText,
    inputDetails: { included: true },
    output: execution.outputText,
    outputDetails: execution.outputText === undefined ? undefined : { included: true },
    error: execution.error,
    cause: execution.cause,
    redriveCount: 0,
    redriveStatus: "NOT_REDRIVABLE",
  };
}

/** ListExecutions, newest first, optionally filtered by status. */
export function listExecutions(backend: Backend, body: RequestBody) {
  const stateMachine = findStateMachine(backend, requireString(body, "stateMachineArn"));
  const statusFilter = optionalString(body, "statusFilter");
  if (statusFilter !== undefined && !STATUSES.has(statusFilter)) {
    throw new SfnApiError(
      ApiErrorCode.ValidationException,
      `1 validation error detected: Value '${statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${[...STATUSES].join(", ")}]`,
    );
  }
  const matching = stateMachine.executions
    .filter((execution) => statusFilter === undefined || execution.status === statusFilter)
    .reverse();
  const page = paginate(
    matching,
    `executions:${stateMachine.arn}:${statusFilter ?? ""}`,
    optionalInteger(body, "maxResults"),
    optionalString(body, "nextToken"),
  );
  return {
    executions: page.items.map((execution) => ({
      executionArn: execution.info.arn,
      stateMachineArn: execution.info.stateMachineArn,
      name: execution.info.name,
      status: execution.status,
      startDate: seconds(execution.info.startTime),
      stopDate: execution.stopDate && seconds(execution.stopDate),
      redriveCount: 0,
    })),
    nextToken: page.nextToken,
  };
}

/** StopExecution: aborts a running execution; an ended one keeps its outcome. */
export function stopExecution(backend: Backend, body: RequestBody) {
  const execution = findExecution(backend, requireString(body, "executionArn"));
  const error = optionalString(body, "error");
  const cause = optionalString(body, "cause");
  if (error !== undefined) checkLength("error", error, 0, 256);
  if (cause !== undefined) checkLength("cause", cause, 0, 32_768);
  execution.stop(error, cause);
  return { stopDate: seconds(execution.stopDate ?? new Date()) };
}

/**
 * GetExecutionHistory. Entered/exited events get their input and output from the library a
 * moment after the transition, so pending work is let through once before answering.
 */
export async function getExecutionHistory(backend: Backend, body: RequestBody) {
  const execution = findExecution(backend, requireString(body, "executionArn"));
  await new Promise((resolve) => setImmediate(resolve));
  const reverse = optionalBoolean(body, "reverseOrder") ?? false;
  const includeData = optionalBoolean(body, "includeExecutionData") ?? true;
  const records = [...execution.history.all()];
  if (reverse) records.reverse();
  const page = paginate(
    records,
    `history:${execution.info.arn}:${reverse}`,
    optionalInteger(body, "maxResults"),
    optionalString(body, "nextToken"),
  );
  return {
    events: page.items.map((record) => renderHistoryEvent(record, includeData)),
    nextToken: page.nextToken,
  };
}
