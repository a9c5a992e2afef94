import { SendTaskSuccessCommand } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import {
  createStateMachine,
  historyOf,
  startExecution,
  useTestServer,
  waitFor,
  waitForEnd,
} from "./test-support.ts";

// Cases from AWS's documentation; each test starts with the title of the page it follows
// (docs.aws.amazon.com/step-functions/latest/):
// "Transforming data with JSONata in Step Functions" (dg/transforming-data.html)
// "Passing data between states with variables" (dg/workflow-variables.html)
// "Wait for a Callback with Task Token" (dg/connect-to-resource.html#connect-wait-token)

const reviews: Array<{ payload: Record<string, unknown>; qualifier: string | undefined }> = [];
let flaky = 0;

const server = useTestServer({
  functions: {
    "get-model-review-decision": (payload, { qualifier }) => {
      reviews.push({ payload: payload as Record<string, unknown>, qualifier });
    },
    "get-price": (payload) => ({ price: 42, ...(payload as object) }),
    flaky: () => {
      flaky += 1;
      if (flaky === 1) throw Object.assign(new Error("try again"), { name: "Flaky.Error" });
      return { attempt: flaky };
    },
    decline: () => {
      throw Object.assign(new Error("card expired"), { name: "Payment.Declined" });
    },
  },
});

async function run(definition: object, input: unknown = {}) {
  const stateMachineArn = await createStateMachine(server.client, definition, "jsonata");
  const executionArn = await startExecution(server.client, stateMachineArn, input);
  const ended = await waitForEnd(server.client, executionArn);
  return { executionArn, ended, output: ended.output ? JSON.parse(ended.output) : undefined };
}

describe("JSONata states (QueryLanguage: JSONata)", () => {
  it("Transforming data with JSONata in Step Functions: Arguments with nested {% %} expressions and literals, as in the JSONPath-to-JSONata conversion example", async () => {
    const { output } = await run(
      {
        QueryLanguage: "JSONata",
        StartAt: "Convert",
        States: {
          Convert: {
            Type: "Pass",
            Assign: { customerName: "María" },
            Next: "Call",
          },
          Call: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Arguments: {
              FunctionName: "get-price",
              Payload: {
                static: "Hello",
                title: "{% $states.input.title %}",
                name: "{% $customerName %}",
                "not-evaluated": "$customerName",
              },
            },
            Output: "{% $states.result.Payload %}",
            End: true,
          },
        },
      },
      { title: "Doctor" },
    );
    // The documented result, plus the function's own field.
    expect(output).toEqual({
      price: 42,
      static: "Hello",
      title: "Doctor",
      name: "María",
      "not-evaluated": "$customerName",
    });
  });

  it("Transforming data with JSONata in Step Functions: a state's Output is evaluated against $states.input (Pass) and $states.result (Task)", async () => {
    const { executionArn, output } = await run(
      {
        StartAt: "Shape",
        States: {
          Shape: {
            Type: "Pass",
            QueryLanguage: "JSONata",
            Output: { total: "{% $sum($states.input.items.price) %}", items: [1, "{% 1 + 1 %}"] },
            Next: "Price",
          },
          Price: {
            Type: "Task",
            QueryLanguage: "JSONata",
            Resource: "arn:aws:lambda:us-east-1:123456789012:function:get-price",
            Output: "{% $merge([$states.input, {'price': $states.result.price}]) %}",
            End: true,
          },
        },
      },
      { items: [{ price: 2 }, { price: 3 }] },
    );
    expect(output).toEqual({ total: 5, items: [1, 2], price: 42 });
    // History carries the evaluated outputs, as on AWS.
    const exited = (await historyOf(server.client, executionArn))
      .filter((event) => event.stateExitedEventDetails)
      .map((event) => JSON.parse(event.stateExitedEventDetails?.output ?? "null"));
    expect(exited).toEqual([{ total: 5, items: [1, 2] }, output]);
  });

  it("Wait for a Callback with Task Token: the documented JSONata callback Task passes $states.context.Task.Token and waits for it", async () => {
    reviews.length = 0;
    const stateMachineArn = await createStateMachine(server.client, {
      QueryLanguage: "JSONata",
      StartAt: "GetManualReview",
      States: {
        GetManualReview: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
          Arguments: {
            FunctionName: "get-model-review-decision",
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
    const executionArn = await startExecution(server.client, stateMachineArn, {
      new_model: "churn-v7",
    });
    const review = await waitFor(() => reviews[0], 5000, "the review request");
    expect(review.qualifier).toBe("prod-v1");
    expect(review.payload.model).toBe("churn-v7");
    expect(review.payload.TaskToken).toMatch(/^[A-Za-z0-9+/]{256}$/);
    await server.client.send(
      new SendTaskSuccessCommand({
        taskToken: String(review.payload.TaskToken),
        output: JSON.stringify({ approved: true }),
      }),
    );
    const ended = await waitForEnd(server.client, executionArn);
    expect(ended.status).toBe("SUCCEEDED");
    expect(JSON.parse(ended.output ?? "null")).toEqual({ approved: true });
    const scheduled = (await historyOf(server.client, executionArn)).find(
      (event) => event.type === "TaskScheduled",
    );
    const parameters = JSON.parse(scheduled?.taskScheduledEventDetails?.parameters ?? "{}");
    expect(parameters.Payload.TaskToken).toBe(review.payload.TaskToken);
  });

  it("Transforming data with JSONata in Step Functions: Choice Condition picks the first true rule, else Default; Succeed and Fail take expressions", async () => {
    const definition = {
      QueryLanguage: "JSONata",
      StartAt: "Route",
      States: {
        Route: {
          Type: "Choice",
          Choices: [
            { Condition: "{% $states.input.amount > 100 %}", Next: "Big" },
            { Condition: "{% $states.input.amount > 0 %}", Next: "Small" },
          ],
          Default: "Refuse",
          Output: { amount: "{% $states.input.amount %}", routed: true },
        },
        Big: { Type: "Succeed", Output: "{% 'big:' & $states.input.amount %}" },
        Small: { Type: "Succeed" },
        Refuse: {
          Type: "Fail",
          Error: "{% 'Amount.' & ($states.input.amount = 0 ? 'Zero' : 'Negative') %}",
          Cause: "{% 'amount was ' & $states.input.amount %}",
        },
      },
    };
    expect((await run(definition, { amount: 500 })).output).toBe("big:500");
    expect((await run(definition, { amount: 5 })).output).toEqual({ amount: 5, routed: true });
    const refused = await run(definition, { amount: 0 });
    expect(refused.ended.status).toBe("FAILED");
    expect(refused.ended.error).toBe("Amount.Zero");
    expect(refused.ended.cause).toBe("amount was 0");
    const types = (await historyOf(server.client, refused.executionArn)).map((e) => e.type);
    expect(types).toEqual([
      "ExecutionStarted",
      "ChoiceStateEntered",
      "ChoiceStateExited",
      "FailStateEntered",
      "ExecutionFailed",
    ]);
  });

  it("Transforming data with JSONata in Step Functions: Wait takes Seconds and Timestamp as {% %} expressions", async () => {
    const started = Date.now();
    const { output } = await run(
      {
        QueryLanguage: "JSONata",
        StartAt: "Pause",
        States: {
          Pause: { Type: "Wait", Seconds: "{% $states.input.delay %}", Next: "Until" },
          Until: {
            Type: "Wait",
            Timestamp: "{% $fromMillis($toMillis($states.context.Execution.StartTime) + 300) %}",
            Output: { waited: true },
            End: true,
          },
        },
      },
      { delay: 0 },
    );
    expect(output).toEqual({ waited: true });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("Transforming data with JSONata in Step Functions: TimeoutSeconds as an expression times the task out with States.Timeout", async () => {
    const { ended } = await run(
      {
        QueryLanguage: "JSONata",
        StartAt: "Review",
        States: {
          Review: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
            Arguments: {
              FunctionName: "get-model-review-decision",
              Payload: { TaskToken: "{% $states.context.Task.Token %}" },
            },
            TimeoutSeconds: "{% $states.input.timeout %}",
            HeartbeatSeconds: "{% 60 %}",
            End: true,
          },
        },
      },
      { timeout: 1 },
    );
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("States.Timeout");
  });

  it("Transforming data with JSONata in Step Functions: an expression that returns nothing fails with States.QueryEvaluationError, which Catch handles", async () => {
    const definition = {
      QueryLanguage: "JSONata",
      StartAt: "Shape",
      States: {
        Shape: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Arguments: { FunctionName: "get-price", Payload: { id: "{% $states.input.missing %}" } },
          Catch: [{ ErrorEquals: ["States.QueryEvaluationError"], Next: "Caught" }],
          End: true,
        },
        Caught: { Type: "Pass", End: true },
      },
    };
    const { executionArn, output } = await run(definition);
    expect(output).toEqual({
      Error: "States.QueryEvaluationError",
      Cause:
        "An error occurred while executing the state 'Shape' (entered at the event id #2). The JSONata expression '$states.input.missing' specified for the field 'Arguments/Payload/id' returned nothing (undefined).",
    });
    const failed = (await historyOf(server.client, executionArn)).find(
      (event) => event.type === "EvaluationFailed",
    );
    expect(failed?.evaluationFailedEventDetails).toMatchObject({
      error: "States.QueryEvaluationError",
      location: "Arguments/Payload/id",
      state: "Shape",
    });
    const uncaught = await run({
      QueryLanguage: "JSONata",
      StartAt: "Bad",
      States: { Bad: { Type: "Pass", Output: "{% $states.input.a + 'x' %}", End: true } },
    });
    expect(uncaught.ended.status).toBe("FAILED");
    expect(uncaught.ended.error).toBe("States.QueryEvaluationError");
    expect(uncaught.ended.cause).toContain("specified for the field 'Output' threw an error");
  });

  it("Transforming data with JSONata in Step Functions: Retry and Catch apply to JSONata Tasks; a caught error's output is $states.errorOutput", async () => {
    flaky = 0;
    const { output } = await run({
      QueryLanguage: "JSONata",
      StartAt: "Flaky",
      States: {
        Flaky: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Arguments: { FunctionName: "flaky" },
          Retry: [{ ErrorEquals: ["Flaky.Error"], IntervalSeconds: 0, MaxAttempts: 2 }],
          Output: "{% $states.result.Payload %}",
          Next: "Charge",
        },
        Charge: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Arguments: { FunctionName: "decline", Payload: "{% $states.input %}" },
          Catch: [{ ErrorEquals: ["States.TaskFailed"], Next: "Declined" }],
          End: true,
        },
        Declined: { Type: "Pass", Output: "{% $states.input.Error %}", End: true },
      },
    });
    expect(output).toBe("Payment.Declined");
  });

  it("Passing data between states with variables: Assign takes effect after the state, and later states read the variables", async () => {
    const { output } = await run(
      {
        QueryLanguage: "JSONata",
        StartAt: "First",
        States: {
          First: {
            Type: "Pass",
            Assign: { x: 1, y: "{% $states.input.start %}" },
            Next: "Second",
          },
          Second: {
            Type: "Pass",
            // Both read the values from before this state: x is still 1 here.
            Assign: { x: "{% $x + 1 %}", previous: "{% $x %}" },
            Output: { seenX: "{% $x %}" },
            Next: "Third",
          },
          Third: {
            Type: "Pass",
            Output: {
              x: "{% $x %}",
              y: "{% $y %}",
              previous: "{% $previous %}",
              before: "{% $states.input %}",
            },
            End: true,
          },
        },
      },
      { start: "go" },
    );
    expect(output).toEqual({ x: 2, y: "go", previous: 1, before: { seenX: 1 } });
  });

  it("Transforming data with JSONata in Step Functions: Step Functions' added functions work and $eval is refused at run time", async () => {
    const { output } = await run({
      QueryLanguage: "JSONata",
      StartAt: "Functions",
      States: {
        Functions: {
          Type: "Pass",
          Output: {
            partition: "{% $partition([1,2,3,4,5], 2) %}",
            range: "{% $range(0, 10, 2) %}",
            hash: "{% $hash('Hello World', 'SHA-256') %}",
            parse: "{% $parse('{\"a\": [1, true]}') %}",
            uuid: "{% $length($uuid()) %}",
            random: "{% $random(42) = $random(42) %}",
          },
          End: true,
        },
      },
    });
    expect(output).toEqual({
      partition: [[1, 2], [3, 4], [5]],
      range: [0, 2, 4, 6, 8, 10],
      hash: "a591a6d40bf420404a011733cfb7b190d62c65bf0bcda32b57b277d9ad9f146e",
      parse: { a: [1, true] },
      uuid: 36,
      random: true,
    });
    const evaluated = await run({
      QueryLanguage: "JSONata",
      StartAt: "Eval",
      States: { Eval: { Type: "Pass", Output: "{% $eval('1 + 1') %}", End: true } },
    });
    expect(evaluated.ended.error).toBe("States.QueryEvaluationError");
    expect(evaluated.ended.cause).toContain("$eval is not supported");
  });
});

describe("JSONata Map and Parallel states", () => {
  it("Transforming data with JSONata in Step Functions: Map takes Items and an ItemSelector with $states.context.Map.Item, and Output sees $states.result", async () => {
    // The Map example of asl-validator issue #173, which runs on AWS as given.
    const { output } = await run({
      QueryLanguage: "JSONata",
      StartAt: "SetupAnimals",
      States: {
        SetupAnimals: {
          Type: "Pass",
          Output: { animals: ["Lion", "Cheetah", "Elephant"] },
          Next: "ProcessAnimals",
        },
        ProcessAnimals: {
          Type: "Map",
          Items: "{% $states.input.animals %}",
          ItemSelector: {
            animalName: "{% $states.context.Map.Item.Value %}",
            index: "{% $states.context.Map.Item.Index %}",
          },
          MaxConcurrency: "{% 2 %}",
          ItemProcessor: {
            StartAt: "NoOp",
            States: { NoOp: { Type: "Pass", End: true } },
          },
          Output: { processResults: "{% $states.result %}" },
          End: true,
        },
      },
    });
    expect(output).toEqual({
      processResults: [
        { animalName: "Lion", index: 0 },
        { animalName: "Cheetah", index: 1 },
        { animalName: "Elephant", index: 2 },
      ],
    });
  });

  it("Transforming data with JSONata in Step Functions: Parallel passes Arguments to every branch; Output and Assign see the branch results", async () => {
    const { output } = await run(
      {
        QueryLanguage: "JSONata",
        StartAt: "Both",
        States: {
          Both: {
            Type: "Parallel",
            Arguments: { n: "{% $states.input.n %}" },
            Branches: [
              {
                StartAt: "Double",
                States: {
                  Double: { Type: "Pass", Output: "{% $states.input.n * 2 %}", End: true },
                },
              },
              {
                StartAt: "Square",
                States: {
                  Square: {
                    Type: "Pass",
                    Output: "{% $states.input.n * $states.input.n %}",
                    End: true,
                  },
                },
              },
            ],
            Assign: { sum: "{% $sum($states.result) %}" },
            Output: "{% $states.result %}",
            Next: "Report",
          },
          Report: {
            Type: "Pass",
            Output: { results: "{% $states.input %}", sum: "{% $sum %}" },
            End: true,
          },
        },
      },
      { n: 3 },
    );
    expect(output).toEqual({ results: [6, 9], sum: 15 });
  });
});
