/**
 * Expression helpers for the DynamoDB store: attribute-name placeholders and the one error
 * code that means "a condition did not hold".
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import type { Approval } from "@signoff/core";
import { ItemAttribute } from "./dynamo-approval-item.ts";

// Expressions write `#name`; many attribute names (status, ...) are DynamoDB reserved words.
const ATTRIBUTES = {
  ...ItemAttribute,
  status: "status",
  decisions: "decisions",
  outcome: "outcome",
  callback: "callback",
  callbackAttempts: "callbackAttempts",
  callbackError: "callbackError",
  approvers: "approvers",
  reminderStep: "reminderStep",
  escalatedAt: "escalatedAt",
  heartbeatAt: "heartbeatAt",
  lastResentAt: "lastResentAt",
  version: "version",
  requestAttempts: "requestAttempts",
  emailProblems: "emailProblems",
  audit: "audit",
  slackMessages: "slackMessages",
} as const satisfies Record<string, string>;

/** An attribute an expression may name as `#<attribute>`. */
export type ExpressionAttribute = keyof typeof ATTRIBUTES;

// Stored approval fields keep their model names; this stops compiling if one is renamed.
const _fieldsExist: readonly (keyof Approval)[] = [
  ATTRIBUTES.status,
  ATTRIBUTES.decisions,
  ATTRIBUTES.outcome,
  ATTRIBUTES.callback,
  ATTRIBUTES.callbackAttempts,
  ATTRIBUTES.callbackError,
  ATTRIBUTES.approvers,
  ATTRIBUTES.reminderStep,
  ATTRIBUTES.escalatedAt,
  ATTRIBUTES.heartbeatAt,
  ATTRIBUTES.lastResentAt,
  ATTRIBUTES.version,
  ATTRIBUTES.requestAttempts,
  ATTRIBUTES.emailProblems,
  ATTRIBUTES.audit,
  ATTRIBUTES.slackMessages,
];

/**
 * ExpressionAttributeNames for exactly the attributes an expression uses: DynamoDB rejects
 * names that the expressions do not mention.
 */
export function expressionNames(...used: ExpressionAttribute[]): Record<string, string> {
  return Object.fromEntries(used.map((attribute) => [`#${attribute}`, ATTRIBUTES[attribute]]));
}

/** Whether a write failed because its ConditionExpression did not hold. */
export function isConditionFailed(error: unknown): boolean {
  return (
    error instanceof ConditionalCheckFailedException ||
    (error instanceof Error && error.name === "ConditionalCheckFailedException")
  );
}
