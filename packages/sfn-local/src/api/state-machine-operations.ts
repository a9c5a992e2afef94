import { randomUUID } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import { compileDefinition } from "../definition/compile-definition.ts";
import { ApiErrorCode, SfnApiError } from "./api-error.ts";
import { checkName, checkStateMachineArn, stateMachineArn } from "./arns.ts";
import type { Backend, StateMachineRecord } from "./backend.ts";
import { paginate } from "./paging.ts";
import {
  checkLength,
  optionalInteger,
  optionalString,
  type RequestBody,
  requireString,
} from "./request-fields.ts";

const seconds = (date: Date) => date.getTime() / 1000;

function checkType(body: RequestBody): void {
  const type = optionalString(body, "type");
  if (type !== undefined && type !== "STANDARD") {
    throw new SfnApiError(
      ApiErrorCode.StateMachineTypeNotSupported,
      `sfn-local runs STANDARD state machines only, not ${type}`,
    );
  }
}

function readDefinition(body: RequestBody, field = "definition") {
  const text = requireString(body, field);
  checkLength(field, text, 1, 1_048_576);
  return { text, compiled: compileDefinition(text) };
}

function sameDefinition(a: string, b: string): boolean {
  return isDeepStrictEqual(JSON.parse(a), JSON.parse(b));
}

/** Finds a state machine by ARN or answers StateMachineDoesNotExist. */
export function findStateMachine(backend: Backend, arn: string): StateMachineRecord {
  checkStateMachineArn(arn);
  const record = backend.stateMachines.get(arn);
  if (!record) {
    throw new SfnApiError(
      ApiErrorCode.StateMachineDoesNotExist,
      `State Machine Does Not Exist: '${arn}'`,
    );
  }
  return record;
}

/**
 * CreateStateMachine. Creating the same name with the same definition and role again returns
 * the existing state machine, as AWS does; anything else under that name is
 * StateMachineAlreadyExists.
 */
export function createStateMachine(backend: Backend, body: RequestBody) {
  const name = requireString(body, "name");
  checkName(name);
  const roleArn = requireString(body, "roleArn");
  checkType(body);
  const definition = readDefinition(body);
  const arn = stateMachineArn(backend.scope, name);
  const existing = backend.stateMachines.get(arn);
  if (existing) {
    if (sameDefinition(existing.definitionText, definition.text) && existing.roleArn === roleArn) {
      return { stateMachineArn: arn, creationDate: seconds(existing.creationDate) };
    }
    throw new SfnApiError(
      ApiErrorCode.StateMachineAlreadyExists,
      `State Machine Already Exists: '${arn}'`,
    );
  }
  const record: StateMachineRecord = {
    arn,
    name,
    definitionText: definition.text,
    definition: definition.compiled,
    roleArn,
    creationDate: new Date(),
    revisionId: randomUUID(),
    executions: [],
  };
  backend.stateMachines.set(arn, record);
  return { stateMachineArn: arn, creationDate: seconds(record.creationDate) };
}

/** UpdateStateMachine. Running executions keep the definition they started with. */
export function updateStateMachine(backend: Backend, body: RequestBody) {
  const record = findStateMachine(backend, requireString(body, "stateMachineArn"));
  const roleArn = optionalString(body, "roleArn");
  const hasDefinition = optionalString(body, "definition") !== undefined;
  if (!hasDefinition && roleArn === undefined) {
    throw new SfnApiError(
      ApiErrorCode.ValidationException,
      "Either the definition or the roleArn must be specified",
    );
  }
  if (hasDefinition) {
    const definition = readDefinition(body);
    record.definitionText = definition.text;
    record.definition = definition.compiled;
  }
  if (roleArn !== undefined) record.roleArn = roleArn;
  record.updateDate = new Date();
  record.revisionId = randomUUID();
  return { updateDate: seconds(record.updateDate), revisionId: record.revisionId };
}

/** DescribeStateMachine. */
export function describeStateMachine(backend: Backend, body: RequestBody) {
  const record = findStateMachine(backend, requireString(body, "stateMachineArn"));
  return {
    stateMachineArn: record.arn,
    name: record.name,
    status: "ACTIVE",
    definition: record.definitionText,
    roleArn: record.roleArn,
    type: "STANDARD",
    creationDate: seconds(record.creationDate),
    loggingConfiguration: { level: "OFF", includeExecutionData: false },
    tracingConfiguration: { enabled: false },
    revisionId: record.revisionId,
  };
}

/** ListStateMachines, oldest first. */
export function listStateMachines(backend: Backend, body: RequestBody) {
  const page = paginate(
    [...backend.stateMachines.values()],
    "stateMachines",
    optionalInteger(body, "maxResults"),
    optionalString(body, "nextToken"),
  );
  return {
    stateMachines: page.items.map((record) => ({
      stateMachineArn: record.arn,
      name: record.name,
      type: "STANDARD",
      creationDate: seconds(record.creationDate),
    })),
    nextToken: page.nextToken,
  };
}

/**
 * DeleteStateMachine. Like AWS, running executions are stopped; their descriptions and
 * histories stay readable.
 */
export function deleteStateMachine(backend: Backend, body: RequestBody) {
  const arn = requireString(body, "stateMachineArn");
  checkStateMachineArn(arn);
  const record = backend.stateMachines.get(arn);
  if (record) {
    for (const execution of record.executions) {
      execution.stop("States.Aborted", "The state machine was deleted");
    }
    backend.stateMachines.delete(arn);
  }
  return {};
}
