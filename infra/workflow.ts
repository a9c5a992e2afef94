// The demo state machine (STANDARD), built from the same infra/workflows/approval-demo.asl.json
// the local stack runs, with the request-approval function's ARN substituted in.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { requestApproval } from "./functions.ts";

const DEFINITION_FILE = "infra/workflows/approval-demo.asl.json";
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

const source = readFileSync(join($cli.paths.root, DEFINITION_FILE), "utf8");

/**
 * Replaces each `${Name}` in the definition's text with its value. ARNs hold no character JSON
 * would need escaped; a placeholder without a value fails the deploy rather than the execution.
 */
function fillPlaceholders(text: string, values: ReadonlyMap<string, string>): string {
  return text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values.get(name);
    if (value === undefined) {
      throw new Error(`${DEFINITION_FILE} uses \${${name}}, which infra/workflow.ts does not fill`);
    }
    return value;
  });
}

const role = new aws.iam.Role("ApprovalDemoRole", {
  assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "states.amazonaws.com" }),
});

// The state machine calls exactly one function; nothing else is allowed.
const invokePolicy = new aws.iam.RolePolicy("ApprovalDemoInvoke", {
  role: role.id,
  policy: $jsonStringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: "lambda:InvokeFunction", Resource: requestApproval.arn },
    ],
  }),
});

// STANDARD: Express workflows cannot wait for a task token.
export const approvalDemo = new aws.sfn.StateMachine(
  "ApprovalDemo",
  {
    type: "STANDARD",
    roleArn: role.arn,
    definition: requestApproval.arn.apply((arn) =>
      fillPlaceholders(source, new Map([["RequestApprovalFunctionArn", arn]])),
    ),
  },
  { dependsOn: [invokePolicy] },
);
