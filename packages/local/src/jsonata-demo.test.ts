import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_INPUT } from "./approval-demo.ts";
import { loadDevKeys } from "./dev-keys.ts";
import { createLocalSignoff, type LocalSignoff } from "./signoff.ts";
import { startStack } from "./stack.ts";
import { type StackFileAuth, toStackFileAuth } from "./stack-file.ts";
import type { Stack } from "./stack-types.ts";
import { FREE_PORTS, withStackEnv } from "./test-helpers.ts";
import { waitForExecution } from "./wait-for-execution.ts";

// infra/workflows/approval-demo-jsonata.asl.json, the JSONata twin of the demo, on the local
// stack with the real request-approval function: decided through the REST API as a dashboard
// would, it ends as the JSONPath demo does.
const JSONATA_DEMO = "approval-demo-jsonata";
const ALICE = "alice@example.com";

describe("the JSONata demo workflow on the local stack", () => {
  let signoff: LocalSignoff;
  let stack: Stack;
  let auth: StackFileAuth;

  beforeAll(async () => {
    signoff = createLocalSignoff({ keys: await loadDevKeys() });
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

  async function api(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${stack.endpoints.api}${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${auth.tokens[ALICE]}`,
        "Content-Type": "application/json",
      },
    });
  }

  async function decideAs(decision: "approve" | "reject", subject: string) {
    return withStackEnv(stack.env, async () => {
      const client = new SFNClient({});
      try {
        const { executionArn } = await client.send(
          new StartExecutionCommand({
            stateMachineArn: stack.stateMachines[JSONATA_DEMO],
            input: JSON.stringify({ ...DEMO_INPUT, subject }),
          }),
        );
        let approvalId: string | undefined;
        for (let i = 0; i < 100 && !approvalId; i += 1) {
          const query = `?execution=${encodeURIComponent(executionArn ?? "")}`;
          const listed = (await (await api(`/v1/approvals${query}`)).json()) as {
            approvals?: Array<{ id: string }>;
          };
          approvalId = listed.approvals?.[0]?.id;
          if (!approvalId) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        if (!approvalId) throw new Error("the JSONata demo created no approval");
        const decided = await api(`/v1/approvals/${approvalId}/decisions`, {
          method: "POST",
          body: JSON.stringify({ decision }),
        });
        expect(decided.status).toBe(201);
        const end = await waitForExecution(client, executionArn ?? "", {
          intervalMs: 50,
          timeoutMs: 10_000,
        });
        return { approvalId, end };
      } finally {
        client.destroy();
      }
    });
  }

  it("registers the JSONata twin beside the demo", () => {
    expect(stack.stateMachines[JSONATA_DEMO]).toMatch(/:stateMachine:approval-demo-jsonata$/);
  });

  it("succeeds with the approval's outcome when alice approves", async () => {
    const { approvalId, end } = await decideAs("approve", "JSONata demo: approve");
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      approvalId,
      outcome: "approved",
      decisions: [{ approver: ALICE, decision: "approve", channel: "api" }],
    });
  });

  it("fails with Approval.Rejected from its Catch when alice rejects", async () => {
    const { end } = await decideAs("reject", "JSONata demo: reject");
    expect(end).toMatchObject({
      status: "FAILED",
      error: "Approval.Rejected",
      cause: "An approver rejected the request.",
    });
  });
});
