import { createServer, type Server } from "node:net";
import { CreateStateMachineCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_CREDENTIALS, LOCAL_ROLE_ARN } from "./constants.ts";
import { loadDevKeys } from "./dev-keys.ts";
import { LocalStackError } from "./errors.ts";
import { createLocalSignoff, type LocalSignoff, REQUEST_APPROVAL_FUNCTION } from "./signoff.ts";
import { startStack } from "./stack.ts";
import { toStackFile, toStackFileSlack } from "./stack-file.ts";
import type { Stack } from "./stack-types.ts";
import { FREE_PORTS } from "./test-helpers.ts";
import { waitForExecution } from "./wait-for-execution.ts";

// The local stack with the Slack stand-in: signoff is configured against it, and a button
// pressed there reaches signoff's /slack/interactions signed with the secret signoff holds.

describe("the local stack with the Slack stand-in", () => {
  let signoff: LocalSignoff;
  let stack: Stack;
  let sfn: SFNClient;

  beforeAll(async () => {
    signoff = createLocalSignoff({ keys: await loadDevKeys(), sweepIntervalMs: 500 });
    stack = await startStack({
      ports: FREE_PORTS,
      functions: signoff.functions,
      slack: signoff.slack,
      api: signoff.api,
      services: signoff.services,
      onExecutionStatusChange: signoff.onExecutionStatusChange,
    });
    sfn = new SFNClient({
      region: stack.region,
      endpoint: stack.endpoints.stepfunctions,
      credentials: LOCAL_CREDENTIALS,
    });
  });

  afterAll(async () => {
    sfn?.destroy();
    await stack?.stop();
  });

  it("starts before the API, is listed, and hands signoff its API URL, token and secret", () => {
    const standIn = signoff.slackStandIn()!;
    expect(stack.endpoints.slack).toBe(standIn.url);
    expect(standIn.interactivityUrl()).toBe(`${stack.endpoints.api}/slack/interactions`);
    expect(signoff.runtime().config.slack).toEqual({
      apiUrl: standIn.apiUrl,
      botToken: standIn.botToken,
      signingSecret: standIn.signingSecret,
    });
    expect(toStackFile(stack, null, toStackFileSlack(standIn)).slack).toEqual({
      url: standIn.url,
      apiUrl: standIn.apiUrl,
      botToken: standIn.botToken,
      signingSecret: standIn.signingSecret,
    });
    // Every demo person, the requester included, is in the workspace.
    expect(standIn.users.map((user) => user.email)).toEqual([
      "alice@example.com",
      "bob@example.com",
      "admin@example.com",
      "dev@example.com",
    ]);
  });

  it("posts a request that asks for Slack to the stand-in, and Approve there ends the execution", async () => {
    const standIn = signoff.slackStandIn()!;
    const { stateMachineArn } = await sfn.send(
      new CreateStateMachineCommand({
        name: "slack-wiring",
        roleArn: LOCAL_ROLE_ARN,
        definition: JSON.stringify({
          StartAt: "Ask",
          States: {
            Ask: {
              Type: "Task",
              Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
              Parameters: {
                FunctionName: REQUEST_APPROVAL_FUNCTION,
                Payload: {
                  "taskToken.$": "$$.Task.Token",
                  approvers: ["alice@example.com"],
                  subject: "Ship it <now> & then",
                  slack: { channel: "C0APPROVALS" },
                },
              },
              End: true,
            },
          },
        }),
      }),
    );
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: stateMachineArn!, input: "{}" }),
    );

    const message = await eventually(() => standIn.messages("C0APPROVALS")[0]);
    expect(message.text).not.toContain("<now>");
    const approve = message.blocks
      .flatMap((block) => (Array.isArray(block.elements) ? block.elements : []))
      .find((element) => (element as { style?: string }).style === "primary") as
      | { action_id: string; value: string }
      | undefined;
    expect(approve).toBeDefined();
    // request-approval records where it posted once its posts are done; a press before that
    // would settle an approval that does not know its message yet (see the report to the lead).
    const { approvalId } = JSON.parse(approve!.value) as { approvalId: string };
    await eventually(async () => {
      const approval = await signoff.runtime().deps.store.get(approvalId);
      return (approval?.slackMessages?.length ?? 0) > 0 ? true : undefined;
    });

    const delivery = await standIn.pressButton({
      user: "alice@example.com",
      channel: "C0APPROVALS",
      ts: message.ts,
      actionId: approve!.action_id,
    });
    expect(delivery.status).toBe(200);

    const end = await waitForExecution(sfn, executionArn!, { timeoutMs: 20_000 });
    expect(end.status).toBe("SUCCEEDED");
    expect(end.output).toMatchObject({
      outcome: "approved",
      decisions: [{ approver: "alice@example.com", decision: "approve", channel: "slack" }],
    });
    // The message is updated in place when the approval settles.
    await eventually(() => (standIn.messages("C0APPROVALS")[0]!.updates > 0 ? true : undefined));
    expect(standIn.messages("C0APPROVALS")).toHaveLength(1);
    expect(standIn.contractViolations()).toEqual([]);
  });
});

describe("the Slack stand-in's port", () => {
  const blockers: Server[] = [];
  afterEach(async () => {
    await Promise.all(blockers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it("is checked before anything starts, and named by SIGNOFF_SLACK_PORT when taken", async () => {
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const taken = (blocker.address() as { port: number }).port;
    const signoff = createLocalSignoff({ keys: await loadDevKeys() });
    const error = await startStack({
      ports: { ...FREE_PORTS, slack: taken },
      slack: signoff.slack,
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(LocalStackError);
    expect((error as LocalStackError).message).toBe(
      `Slack stand-in cannot start: port ${taken} on 127.0.0.1 is already in use (set SIGNOFF_SLACK_PORT to use another port)`,
    );
  });
});

/** Polls `read` until it returns something, for up to 15 s. */
async function eventually<T>(read: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
