import {
  CreateStateMachineCommand,
  DeleteStateMachineCommand,
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionDoesNotExist,
  InvalidArn,
  InvalidDefinition,
  InvalidName,
  ListStateMachinesCommand,
  StartExecutionCommand,
  StateMachineAlreadyExists,
  StateMachineDoesNotExist,
  UpdateStateMachineCommand,
} from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { createStateMachine, ROLE_ARN, useTestServer } from "./test-support.ts";

const PASS = { StartAt: "Done", States: { Done: { Type: "Pass", End: true } } };

const CHOICE = {
  StartAt: "Mode",
  States: {
    Mode: {
      Type: "Choice",
      Choices: [{ Variable: "$.mode", StringEquals: "fail", Next: "Fail" }],
      Default: "Ok",
    },
    Fail: { Type: "Fail", Error: "Mode.Failed" },
    Ok: { Type: "Succeed" },
  },
};

const server = useTestServer();

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to fail");
}

describe("state machines", () => {
  it("returns the existing state machine for the same name and definition", async () => {
    const command = () =>
      new CreateStateMachineCommand({
        name: "idempotent-create",
        definition: JSON.stringify(PASS),
        roleArn: ROLE_ARN,
      });
    const first = await server.client.send(command());
    const again = await server.client.send(command());

    expect(first.stateMachineArn).toBe(
      "arn:aws:states:us-east-1:123456789012:stateMachine:idempotent-create",
    );
    expect(again.stateMachineArn).toBe(first.stateMachineArn);
    expect(again.creationDate).toEqual(first.creationDate);
  });

  it("answers StateMachineAlreadyExists for the same name with another definition", async () => {
    const create = (definition: object) =>
      server.client.send(
        new CreateStateMachineCommand({
          name: "taken-name",
          definition: JSON.stringify(definition),
          roleArn: ROLE_ARN,
        }),
      );
    await create(PASS);
    await expect(create(CHOICE)).rejects.toBeInstanceOf(StateMachineAlreadyExists);
  });

  it("refuses service integrations and activities it cannot run, naming them", async () => {
    const sqs = await rejectionOf(
      createStateMachine(server.client, {
        StartAt: "Notify",
        States: {
          Notify: {
            Type: "Task",
            Resource: "arn:aws:states:::sqs:sendMessage",
            Parameters: {
              QueueUrl: "https://sqs.us-east-1.amazonaws.com/1/q",
              "MessageBody.$": "$",
            },
            End: true,
          },
        },
      }),
    );
    expect(sqs).toBeInstanceOf(InvalidDefinition);
    expect(sqs.message).toContain("arn:aws:states:::sqs:sendMessage");
    expect(sqs.message).toContain('state "Notify"');

    const activity = await rejectionOf(
      createStateMachine(server.client, {
        StartAt: "Work",
        States: {
          Work: {
            Type: "Task",
            Resource: "arn:aws:states:us-east-1:123456789012:activity:worker",
            End: true,
          },
        },
      }),
    );
    expect(activity).toBeInstanceOf(InvalidDefinition);
    expect(activity.message).toContain("activity");
  });

  it("refuses invalid ASL and features the library would silently ignore", async () => {
    const dangling = await rejectionOf(
      createStateMachine(server.client, {
        StartAt: "First",
        States: { First: { Type: "Pass", Next: "Missing" } },
      }),
    );
    expect(dangling).toBeInstanceOf(InvalidDefinition);
    expect(dangling.message).toContain("Missing");

    const variables = await rejectionOf(
      createStateMachine(server.client, {
        StartAt: "Remember",
        States: { Remember: { Type: "Succeed", Assign: { x: 1 } } },
      }),
    );
    expect(variables).toBeInstanceOf(InvalidDefinition);
    expect(variables.message).toContain("Assign in a Succeed state");

    const notJson = await rejectionOf(
      server.client.send(
        new CreateStateMachineCommand({ name: "broken", definition: "{", roleArn: ROLE_ARN }),
      ),
    );
    expect(notJson).toBeInstanceOf(InvalidDefinition);
  });

  it("describes, lists, updates and deletes a state machine", async () => {
    const stateMachineArn = await createStateMachine(server.client, PASS, "lifecycle");
    const described = await server.client.send(
      new DescribeStateMachineCommand({ stateMachineArn }),
    );
    expect(described).toMatchObject({
      stateMachineArn,
      status: "ACTIVE",
      type: "STANDARD",
      roleArn: ROLE_ARN,
      definition: JSON.stringify(PASS),
    });
    expect(described.creationDate).toBeInstanceOf(Date);

    const listed = await server.client.send(new ListStateMachinesCommand({}));
    expect(listed.stateMachines?.map((machine) => machine.stateMachineArn)).toContain(
      stateMachineArn,
    );

    const updated = await server.client.send(
      new UpdateStateMachineCommand({ stateMachineArn, definition: JSON.stringify(CHOICE) }),
    );
    expect(updated.updateDate).toBeInstanceOf(Date);
    const redescribed = await server.client.send(
      new DescribeStateMachineCommand({ stateMachineArn }),
    );
    expect(redescribed.definition).toBe(JSON.stringify(CHOICE));

    await server.client.send(new DeleteStateMachineCommand({ stateMachineArn }));
    await expect(
      server.client.send(new DescribeStateMachineCommand({ stateMachineArn })),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });

  it("answers InvalidArn, InvalidName and the DoesNotExist errors", async () => {
    await expect(
      server.client.send(new DescribeStateMachineCommand({ stateMachineArn: "not-an-arn" })),
    ).rejects.toBeInstanceOf(InvalidArn);
    await expect(
      server.client.send(
        new StartExecutionCommand({
          stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:nobody",
        }),
      ),
    ).rejects.toBeInstanceOf(StateMachineDoesNotExist);
    await expect(
      server.client.send(
        new DescribeExecutionCommand({
          executionArn: "arn:aws:states:us-east-1:123456789012:execution:nobody:nothing",
        }),
      ),
    ).rejects.toBeInstanceOf(ExecutionDoesNotExist);
    await expect(
      server.client.send(
        new CreateStateMachineCommand({
          name: "has spaces",
          definition: JSON.stringify(PASS),
          roleArn: ROLE_ARN,
        }),
      ),
    ).rejects.toBeInstanceOf(InvalidName);
  });
});
