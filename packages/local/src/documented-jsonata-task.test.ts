import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDevKeys } from "./dev-keys.ts";
import { createLocalSignoff, type LocalSignoff } from "./signoff.ts";
import { startStack } from "./stack.ts";
import { type StackFileAuth, toStackFileAuth } from "./stack-file.ts";
import type { Stack } from "./stack-types.ts";
import { FREE_PORTS, withStackEnv } from "./test-helpers.ts";
import { waitForExecution } from "./wait-for-execution.ts";
import { LOCAL_SUBSTITUTIONS } from "./workflow-substitutions.ts";

// The callback Task exactly as AWS's JSONata documentation writes it ("Wait for a Callback with
// Task Token", JSONata form), FunctionName pointed at signoff's request-approval function: the
// payload carries only `model` and `TaskToken`, so signoff's request defaults supply the rest.
const DOCUMENTED_TASK = (functionName: string) => ({
  QueryLanguage: "JSONata",
  StartAt: "GetManualReview",
  States: {
    GetManualReview: {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
      Arguments: {
        FunctionName: functionName,
        Payload: {
          model: "{% $states.input.new_model %}",
          TaskToken: "{% $states.context.Task.Token %}",
        },
        Qualifier: "prod-v1",
      },
      End: true,
    },
  },
});

const ALICE = "alice@example.com";
const BOB = "bob@example.com";

describe("AWS's documented JSONata callback Task, pointed at signoff", () => {
  let signoff: LocalSignoff;
  let stack: Stack;
  let auth: StackFileAuth;

  beforeAll(async () => {
    signoff = createLocalSignoff({
      keys: await loadDevKeys(),
      requestSettings: { defaultApprovers: [ALICE, BOB] },
    });
    stack = await startStack({
      ports: FREE_PORTS,
      functions: signoff.functions,
      issuer: signoff.issuer,
      api: signoff.api,
      onExecutionStatusChange: signoff.onExecutionStatusChange,
    });
    auth = await toStackFileAuth(signoff.devIssuer()!);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("asks the default approvers, shows the model as context, and resumes with the decision", async () => {
    await withStackEnv(stack.env, async () => {
      const client = new SFNClient({});
      try {
        const { stateMachineArn } = await client.send(
          new CreateStateMachineCommand({
            name: "get-model-review-decision",
            definition: JSON.stringify(
              DOCUMENTED_TASK(LOCAL_SUBSTITUTIONS.RequestApprovalFunctionArn!),
            ),
            roleArn: "arn:aws:iam::123456789012:role/local",
          }),
        );
        const { executionArn } = await client.send(
          new StartExecutionCommand({
            stateMachineArn,
            input: JSON.stringify({ new_model: { name: "fraud-v7", auc: 0.93 } }),
          }),
        );
        const headers = {
          Authorization: `Bearer ${auth.tokens[ALICE]}`,
          "Content-Type": "application/json",
        };
        let approval: { id: string; approvers: string[]; context: unknown } | undefined;
        for (let i = 0; i < 100 && !approval; i += 1) {
          const listed = (await (
            await fetch(
              // The documented payload names no execution; this stack has no other approval.
              `${stack.endpoints.api}/v1/approvals`,
              { headers },
            )
          ).json()) as { approvals?: { id: string }[] };
          const id = listed.approvals?.[0]?.id;
          if (id) {
            approval = (await (
              await fetch(`${stack.endpoints.api}/v1/approvals/${id}`, { headers })
            ).json()) as typeof approval;
          } else await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(approval).toBeDefined();
        expect(approval?.approvers).toEqual([ALICE, BOB]);
        expect(JSON.stringify(approval?.context)).toContain("fraud-v7");

        const decided = await fetch(
          `${stack.endpoints.api}/v1/approvals/${approval!.id}/decisions`,
          {
            method: "POST",
            headers,
            body: JSON.stringify({ decision: "approve" }),
          },
        );
        expect(decided.status).toBe(201);
        const end = await waitForExecution(client, executionArn!, {
          intervalMs: 50,
          timeoutMs: 10_000,
        });
        expect(end.status).toBe("SUCCEEDED");
        expect(end.output).toMatchObject({ approvalId: approval!.id, outcome: "approved" });
      } finally {
        client.destroy();
      }
    });
  });
});
