import { describe, expect, it } from "vitest";
import {
  createStateMachine,
  historyOf,
  startExecution,
  useTestServer,
  waitForEnd,
} from "./test-support.ts";

// Variables and error output in JSONata states; each test starts with the title of the AWS
// documentation page it follows (docs.aws.amazon.com/step-functions/latest/):
// "Passing data between states with variables" (dg/workflow-variables.html)
// "Choice workflow state" (dg/state-choice.html)
// "Handling errors in Step Functions workflows" (dg/concepts-error-handling.html)

const server = useTestServer({
  functions: {
    decline: () => {
      throw Object.assign(new Error("card expired"), { name: "Payment.Declined" });
    },
  },
});

async function run(definition: object, input: unknown = {}) {
  const stateMachineArn = await createStateMachine(server.client, definition, "variables");
  const executionArn = await startExecution(server.client, stateMachineArn, input);
  const ended = await waitForEnd(server.client, executionArn);
  return { executionArn, ended, output: ended.output ? JSON.parse(ended.output) : undefined };
}

describe("JSONata variables and error output", () => {
  it("Handling errors in Step Functions workflows: a Catch's Output and Assign see $states.errorOutput and the failed state's $states.input", async () => {
    const { executionArn, output } = await run(
      {
        QueryLanguage: "JSONata",
        StartAt: "Charge",
        States: {
          Charge: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Arguments: { FunctionName: "decline", Payload: "{% $states.input %}" },
            Assign: { charged: true },
            Catch: [
              {
                ErrorEquals: ["Payment.Declined"],
                Output: {
                  order: "{% $states.input.order %}",
                  reason: "{% $states.errorOutput.Error %}",
                },
                Assign: { failure: "{% $states.errorOutput.Cause %}" },
                Next: "Declined",
              },
            ],
            End: true,
          },
          Declined: {
            Type: "Pass",
            Output: {
              seen: "{% $states.input %}",
              failure: "{% $failure %}",
              charged: "{% $exists($charged) %}",
            },
            End: true,
          },
        },
      },
      { order: "o-1" },
    );
    expect(output.seen).toEqual({ order: "o-1", reason: "Payment.Declined" });
    expect(JSON.parse(output.failure)).toMatchObject({ errorMessage: "card expired" });
    // The state failed, so its own Assign did not take effect.
    expect(output.charged).toBe(false);
    const exited = (await historyOf(server.client, executionArn)).find(
      (event) => event.type === "TaskStateExited",
    );
    expect(JSON.parse(exited?.stateExitedEventDetails?.output ?? "null")).toEqual(output.seen);
  });

  it("Choice workflow state: a matched rule's Assign adds to the state-level Assign, which applies whichever rule matches", async () => {
    const definition = {
      QueryLanguage: "JSONata",
      StartAt: "Route",
      States: {
        Route: {
          Type: "Choice",
          Assign: { routed: true },
          Choices: [
            {
              Condition: "{% $states.input.kind = 'local' %}",
              Assign: { path: "local" },
              Next: "Done",
            },
          ],
          Default: "Done",
        },
        Done: {
          Type: "Pass",
          Output: { routed: "{% $routed %}", path: "{% $exists($path) ? $path : 'none' %}" },
          End: true,
        },
      },
    };
    expect((await run(definition, { kind: "local" })).output).toEqual({
      routed: true,
      path: "local",
    });
    expect((await run(definition, { kind: "remote" })).output).toEqual({
      routed: true,
      path: "none",
    });
  });

  it("Passing data between states with variables: a JSONata state inside a JSONPath Map reads the outer variables; its assignments stay inside the iteration", async () => {
    const { output } = await run({
      StartAt: "Setup",
      States: {
        Setup: {
          Type: "Pass",
          QueryLanguage: "JSONata",
          Assign: { rate: 10 },
          Output: { items: [1, 2] },
          Next: "Each",
        },
        Each: {
          Type: "Map",
          ItemsPath: "$.items",
          ItemProcessor: {
            StartAt: "Scale",
            States: {
              Scale: {
                Type: "Pass",
                QueryLanguage: "JSONata",
                Assign: { scaled: true },
                Output: "{% $states.input * $rate %}",
                End: true,
              },
            },
          },
          Next: "After",
        },
        After: {
          Type: "Pass",
          QueryLanguage: "JSONata",
          Output: {
            results: "{% $states.input %}",
            rate: "{% $rate %}",
            scaledVisible: "{% $exists($scaled) %}",
          },
          End: true,
        },
      },
    });
    // Only Output carries data out of a Map iteration ("VARIABLES": use Output to return data
    // from Parallel and Map sub-workflows).
    expect(output).toEqual({ results: [10, 20], rate: 10, scaledVisible: false });
  });
});
