import { describe, expect, it } from "vitest";
import {
  createStateMachine,
  historyOf,
  startExecution,
  useTestServer,
  waitForEnd,
} from "./test-support.ts";

// Variables (`Assign`, `$name`) in JSONPath states; each test starts with the title of the AWS
// documentation page it follows (docs.aws.amazon.com/step-functions/latest/):
// "Passing data between states with variables" (dg/workflow-variables.html)
// "Transforming data with JSONata in Step Functions" (dg/transforming-data.html)
// "Choice workflow state" (dg/state-choice.html)
// "Handling errors in Step Functions workflows" (dg/concepts-error-handling.html)
// "Intrinsic functions for JSONPath states in Step Functions" (dg/intrinsic-functions.html)

const FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function";

const server = useTestServer({
  functions: {
    "get-price": (payload) => ({ price: 42, request: payload }),
    // Never calls back: a .waitForTaskToken task on it ends only by its timeout.
    "ignore-token": () => {},
    decline: () => {
      throw Object.assign(new Error("card expired"), { name: "Payment.Declined" });
    },
  },
});

async function run(definition: object, input: unknown = {}) {
  const stateMachineArn = await createStateMachine(server.client, definition, "jsonpath-vars");
  const executionArn = await startExecution(server.client, stateMachineArn, input);
  const ended = await waitForEnd(server.client, executionArn);
  return { executionArn, ended, output: ended.output ? JSON.parse(ended.output) : undefined };
}

async function refusal(definition: object): Promise<string> {
  try {
    await createStateMachine(server.client, definition, "refused");
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the definition was accepted");
}

/** A Pass state whose output shows the given variables (or paths into them). */
function show(fields: Record<string, string>, next?: string): object {
  const parameters = Object.fromEntries(
    Object.entries(fields).map(([key, path]) => [`${key}.$`, path]),
  );
  return { Type: "Pass", Parameters: parameters, ...(next ? { Next: next } : { End: true }) };
}

describe("JSONPath variables: assigning and reading", () => {
  it("Passing data between states with variables: Assign stores literal values and `.$` paths of the Pass result; later states read $name, $name.path and $name[0]", async () => {
    const { output, executionArn } = await run(
      {
        StartAt: "Remember",
        States: {
          Remember: {
            Type: "Pass",
            Assign: {
              productName: "product1",
              count: 42,
              available: true,
              "order.$": "$.order",
              nested: { "id.$": "$.order.id", literal: "$order" },
            },
            Next: "Use",
          },
          Use: show({
            productName: "$productName",
            count: "$count",
            available: "$available",
            id: "$order.id",
            firstItem: "$order.items[0]",
            nested: "$nested",
            input: "$",
          }),
        },
      },
      { order: { id: "o-1", items: ["pen", "ink"] } },
    );
    expect(output).toEqual({
      productName: "product1",
      count: 42,
      available: true,
      id: "o-1",
      firstItem: "pen",
      nested: { id: "o-1", literal: "$order" },
      // Assign does not change the state's output.
      input: { order: { id: "o-1", items: ["pen", "ink"] } },
    });
    const events = await historyOf(server.client, executionArn);
    expect(events.map((event) => event.type)).toEqual([
      "ExecutionStarted",
      "PassStateEntered",
      "PassStateExited",
      "PassStateEntered",
      "PassStateExited",
      "ExecutionSucceeded",
    ]);
    // As on AWS, the exited event lists what the state assigned, each value as JSON text.
    const [remembered, used] = events
      .filter((event) => event.type === "PassStateExited")
      .map((event) => event.stateExitedEventDetails);
    expect(remembered?.assignedVariables).toEqual({
      productName: '"product1"',
      count: "42",
      available: "true",
      order: JSON.stringify({ id: "o-1", items: ["pen", "ink"] }),
      nested: JSON.stringify({ id: "o-1", literal: "$order" }),
    });
    expect(remembered?.assignedVariablesDetails).toEqual({ truncated: false });
    expect(used?.assignedVariables).toBeUndefined();
  });

  it('Transforming data with JSONata in Step Functions: in Parameters, `"name.$": "$customerName"` reads the variable and `"not-evaluated": "$customerName"` stays text', async () => {
    const { output } = await run(
      {
        StartAt: "Set",
        States: {
          Set: { Type: "Pass", Assign: { customerName: "María" }, Next: "Use" },
          Use: {
            Type: "Pass",
            Parameters: {
              static: "Hello",
              "title.$": "$.title",
              "name.$": "$customerName",
              "not-evaluated": "$customerName",
            },
            End: true,
          },
        },
      },
      { title: "Dr." },
    );
    expect(output).toEqual({
      static: "Hello",
      title: "Dr.",
      name: "María",
      "not-evaluated": "$customerName",
    });
  });

  it("Passing data between states with variables: all assignments of a state read the variables as they were before it (x and y swap), and its own fields do too", async () => {
    const { output } = await run({
      StartAt: "First",
      States: {
        First: { Type: "Pass", Assign: { x: 1, y: 2 }, Next: "Swap" },
        Swap: {
          Type: "Pass",
          Parameters: { "xDuringSwap.$": "$x" },
          Assign: {
            "x.$": "$y",
            "y.$": "$x",
            "seen.$": "$.xDuringSwap",
            "sum.$": "States.MathAdd($x, $y)",
          },
          ResultPath: "$.swap",
          OutputPath: "$.swap",
          Next: "After",
        },
        After: {
          Type: "Pass",
          Parameters: {
            "x.$": "$x",
            "y.$": "$y",
            "seen.$": "$seen",
            "sum.$": "$sum",
            "input.$": "$",
          },
          End: true,
        },
      },
    });
    expect(output).toEqual({ x: 2, y: 1, seen: 1, sum: 3, input: { xDuringSwap: 1 } });
  });

  it("Passing data between states with variables: a Pass state's Assign reads its Result; the Result then goes through ResultPath", async () => {
    const { output } = await run(
      {
        StartAt: "Fixed",
        States: {
          Fixed: {
            Type: "Pass",
            Result: { rate: 0.2 },
            ResultPath: "$.fixed",
            Assign: { "rate.$": "$.rate", "whole.$": "$" },
            Next: "Use",
          },
          Use: show({ rate: "$rate", whole: "$whole", input: "$" }),
        },
      },
      { a: 1 },
    );
    expect(output).toEqual({
      rate: 0.2,
      whole: { rate: 0.2 },
      input: { a: 1, fixed: { rate: 0.2 } },
    });
  });

  it("Passing data between states with variables: a JSONata state reads what a JSONPath state assigned, and the reverse", async () => {
    const { output, executionArn } = await run({
      StartAt: "FromJsonPath",
      States: {
        FromJsonPath: { Type: "Pass", Assign: { a: 1 }, Next: "FromJsonata" },
        FromJsonata: {
          Type: "Pass",
          QueryLanguage: "JSONata",
          Assign: { b: "{% $a + 1 %}" },
          Next: "Read",
        },
        Read: show({ a: "$a", b: "$b" }),
      },
    });
    expect(output).toEqual({ a: 1, b: 2 });
    const exited = (await historyOf(server.client, executionArn))
      .filter((event) => event.type === "PassStateExited")
      .map((event) => event.stateExitedEventDetails?.assignedVariables);
    expect(exited).toEqual([{ a: "1" }, { b: "2" }, undefined]);
  });
});

describe("JSONPath variables: what `$` is in Assign", () => {
  it('The Amazon States Language, "Using Assign": a Task\'s Assign reads its result (before ResultSelector); ResultSelector, ResultPath and OutputPath still apply to the result', async () => {
    const { output, executionArn } = await run(
      {
        StartAt: "Price",
        States: {
          Price: {
            Type: "Task",
            Resource: `${FUNCTION_ARN}:get-price`,
            Parameters: { "sku.$": "$.sku" },
            ResultSelector: { "cost.$": "$.price", "quote.$": "States.UUID()" },
            ResultPath: "$.priced",
            Assign: { "price.$": "$.price", "raw.$": "$" },
            Next: "Use",
          },
          Use: show({ price: "$price", raw: "$raw", input: "$" }),
        },
      },
      { sku: "p-1" },
    );
    expect(output.price).toBe(42);
    expect(output.raw).toEqual({ price: 42, request: { sku: "p-1" } });
    expect(output.input).toEqual({ sku: "p-1", priced: { cost: 42, quote: expect.any(String) } });
    const events = await historyOf(server.client, executionArn);
    const exited = events.find((event) => event.type === "TaskStateExited");
    expect(JSON.parse(exited?.stateExitedEventDetails?.output ?? "null")).toEqual(output.input);
  });

  it("Choice workflow state: the state's Assign applies whichever rule matches, a rule's Assign only when it matches; `$` is the effective input", async () => {
    const definition = {
      StartAt: "Setup",
      States: {
        Setup: { Type: "Pass", Assign: { threshold: 10, limit: 100 }, Next: "Route" },
        Route: {
          Type: "Choice",
          InputPath: "$.order",
          Assign: { "routedTotal.$": "$.total" },
          Choices: [
            {
              And: [
                { Variable: "$.total", NumericGreaterThanPath: "$threshold" },
                { Variable: "$.total", NumericLessThanEqualsPath: "$limit" },
              ],
              Assign: { path: "big", "threshold.$": "$.total" },
              Next: "Big",
            },
          ],
          Default: "Small",
          OutputPath: "$.total",
        },
        Big: show({
          routedTotal: "$routedTotal",
          threshold: "$threshold",
          path: "$path",
          input: "$",
        }),
        Small: show({ routedTotal: "$routedTotal", threshold: "$threshold", input: "$" }),
      },
    };
    const big = await run(definition, { order: { total: 50 } });
    expect(big.output).toEqual({ routedTotal: 50, threshold: 50, path: "big", input: 50 });
    const small = await run(definition, { order: { total: 5 } });
    expect(small.output).toEqual({ routedTotal: 5, threshold: 10, input: 5 });
    const history = (await historyOf(server.client, small.executionArn)).map((event) => event.type);
    expect(history).toEqual([
      "ExecutionStarted",
      "PassStateEntered",
      "PassStateExited",
      "ChoiceStateEntered",
      "ChoiceStateExited",
      "PassStateEntered",
      "PassStateExited",
      "ExecutionSucceeded",
    ]);
  });

  it("Choice workflow state: with a Default, an unmatched input only runs the state-level Assign", async () => {
    const { output } = await run(
      {
        StartAt: "Route",
        States: {
          Route: {
            Type: "Choice",
            Assign: { routed: true, path: "default" },
            Choices: [
              {
                Variable: "$.kind",
                StringEquals: "local",
                Assign: { path: "local" },
                Next: "Done",
              },
            ],
            Default: "Done",
          },
          Done: show({ routed: "$routed", path: "$path" }),
        },
      },
      { kind: "remote" },
    );
    expect(output).toEqual({ routed: true, path: "default" });
  });

  it("Choice workflow state: without a matching rule or Default, a Choice with Assign fails with States.NoChoiceMatched and assigns nothing", async () => {
    const { ended } = await run(
      {
        StartAt: "Route",
        States: {
          Route: {
            Type: "Choice",
            Assign: { routed: true },
            Choices: [{ Variable: "$.kind", StringEquals: "local", Next: "Done" }],
          },
          Done: { Type: "Succeed" },
        },
      },
      { kind: "remote" },
    );
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("States.NoChoiceMatched");
  });

  it("Passing data between states with variables: a Wait state's Assign reads its effective input; SecondsPath may read a variable", async () => {
    const { output } = await run(
      {
        StartAt: "Setup",
        States: {
          Setup: { Type: "Pass", Assign: { delay: 0 }, Next: "Pause" },
          Pause: {
            Type: "Wait",
            InputPath: "$.w",
            SecondsPath: "$delay",
            Assign: { "waited.$": "$" },
            Next: "Use",
          },
          Use: show({ waited: "$waited", input: "$" }),
        },
      },
      { w: { n: 1 } },
    );
    expect(output).toEqual({ waited: { n: 1 }, input: { n: 1 } });
  });

  it("Handling errors in Step Functions workflows: a Catch's Assign reads the error output; the catcher's ResultPath still applies and the failed state's Assign does not", async () => {
    const { output, executionArn } = await run(
      {
        StartAt: "Charge",
        States: {
          Charge: {
            Type: "Task",
            Resource: `${FUNCTION_ARN}:decline`,
            Assign: { charged: true },
            Catch: [
              {
                ErrorEquals: ["Payment.Declined"],
                Assign: { "error.$": "$.Error", "cause.$": "$.Cause" },
                ResultPath: "$.failure",
                Next: "Declined",
              },
            ],
            End: true,
          },
          Declined: {
            Type: "Pass",
            Parameters: {
              "error.$": "$error",
              "cause.$": "$cause",
              "order.$": "$.order",
              "failureError.$": "$.failure.Error",
            },
            Next: "Charged?",
          },
          "Charged?": {
            Type: "Choice",
            Choices: [{ Variable: "$charged", IsPresent: true, Next: "Wrong" }],
            Default: "Done",
          },
          Wrong: { Type: "Fail", Error: "Wrong" },
          Done: { Type: "Succeed" },
        },
      },
      { order: "o-1" },
    );
    expect(output).toEqual({
      error: "Payment.Declined",
      cause: expect.stringContaining("card expired"),
      order: "o-1",
      failureError: "Payment.Declined",
    });
    const events = await historyOf(server.client, executionArn);
    const exited = events.find((event) => event.type === "TaskStateExited");
    const merged = JSON.parse(exited?.stateExitedEventDetails?.output ?? "null");
    expect(merged).toMatchObject({ order: "o-1", failure: { Error: "Payment.Declined" } });
    // The catcher's assignments show on the failed state's exited event; the state's own do not.
    const assigned = exited?.stateExitedEventDetails?.assignedVariables ?? {};
    expect(Object.keys(assigned).sort()).toEqual(["cause", "error"]);
    expect(assigned.error).toBe('"Payment.Declined"');
    // The hidden catch state leaves no trace in the history.
    expect(events.filter((event) => event.type?.endsWith("StateEntered")).length).toBe(4);
  });
  it("Handling errors in Step Functions workflows: a state whose ResultPath cannot apply fails after its result, and its Assign does not take effect when a catcher takes over", async () => {
    const { output } = await run(
      {
        StartAt: "Price",
        States: {
          Price: {
            Type: "Task",
            Resource: `${FUNCTION_ARN}:get-price`,
            Assign: { priced: true },
            ResultPath: "$.price",
            Catch: [{ ErrorEquals: ["States.ResultPathMatchFailure"], Next: "Priced?" }],
            End: true,
          },
          "Priced?": {
            Type: "Choice",
            Choices: [{ Variable: "$priced", IsPresent: true, Next: "Leaked" }],
            Default: "Show",
          },
          Leaked: { Type: "Fail", Error: "Leaked" },
          Show: { Type: "Pass", End: true },
        },
      },
      "not an object",
    );
    expect(output).toEqual({
      Error: "States.ResultPathMatchFailure",
      Cause: expect.any(String),
    });
  });
});

describe("JSONPath variables: scopes of Map and Parallel", () => {
  it("Passing data between states with variables: Map iterations read outer variables (ItemsPath, ItemSelector, inner states); their assignments stay inside; the Map's Assign reads the results", async () => {
    const { output } = await run({
      StartAt: "Setup",
      States: {
        Setup: { Type: "Pass", Assign: { rate: 10, items: [1, 2] }, Next: "Each" },
        Each: {
          Type: "Map",
          ItemsPath: "$items",
          ItemSelector: { "value.$": "$$.Map.Item.Value", "rate.$": "$rate" },
          ItemProcessor: {
            StartAt: "Scale",
            States: {
              Scale: {
                Type: "Pass",
                Parameters: { "scaled.$": "States.MathAdd($.value, $rate)" },
                Assign: { inner: true, rate: 0 },
                Next: "ReadInner",
              },
              ReadInner: show({ scaled: "$.scaled", rate: "$rate", inner: "$inner" }),
            },
          },
          ResultSelector: { "wrapped.$": "$" },
          Assign: { "results.$": "$" },
          Next: "After",
        },
        After: {
          Type: "Pass",
          Parameters: { "results.$": "$results", "rate.$": "$rate", "output.$": "$" },
          Next: "InnerLeaked?",
        },
        "InnerLeaked?": {
          Type: "Choice",
          Choices: [{ Variable: "$inner", IsPresent: true, Next: "Leaked" }],
          Default: "Done",
        },
        Leaked: { Type: "Fail", Error: "Leaked" },
        Done: { Type: "Succeed" },
      },
    });
    const results = [
      { scaled: 11, rate: 0, inner: true },
      { scaled: 12, rate: 0, inner: true },
    ];
    expect(output).toEqual({ results, rate: 10, output: { wrapped: results } });
  });

  it("Passing data between states with variables: Parallel branches read outer variables; the Parallel state's Assign reads the branch results", async () => {
    const { output } = await run({
      StartAt: "Setup",
      States: {
        Setup: { Type: "Pass", Assign: { base: 5 }, Next: "Both" },
        Both: {
          Type: "Parallel",
          Branches: [
            { StartAt: "A", States: { A: show({ base: "$base" }) } },
            {
              StartAt: "B",
              States: {
                B: {
                  Type: "Pass",
                  Assign: { base: 99 },
                  Parameters: { "doubled.$": "States.MathAdd($base, $base)" },
                  End: true,
                },
              },
            },
          ],
          Assign: { "first.$": "$[0].base", "second.$": "$[1].doubled" },
          Next: "After",
        },
        After: show({ first: "$first", second: "$second", base: "$base" }),
      },
    });
    expect(output).toEqual({ first: 5, second: 10, base: 5 });
  });
});

describe("JSONPath variables in paths and intrinsic functions", () => {
  it("Intrinsic functions for JSONPath states in Step Functions: variables are arguments; quoted text and $$ are left alone", async () => {
    const { output } = await run(
      {
        StartAt: "Set",
        States: {
          Set: {
            Type: "Pass",
            Assign: {
              name: "Ana",
              count: 2,
              list: [1, 2, 3],
              "execution.$": "$$.Execution.Name",
              número: 7,
            },
            Next: "Use",
          },
          Use: {
            Type: "Pass",
            InputPath: "$list",
            Parameters: {
              "greeting.$": "States.Format('{} has {} ($nobody)', $name, $count)",
              "length.$": "States.ArrayLength($list)",
              "next.$": "States.MathAdd($count, 1)",
              "input.$": "$",
              "sameExecution.$": "States.Format('{}', $execution)",
              "executionName.$": "$$.Execution.Name",
              "número.$": "$número",
            },
            OutputPath: "$",
            End: true,
          },
        },
      },
      {},
    );
    expect(output).toMatchObject({
      greeting: "Ana has 2 ($nobody)",
      length: 3,
      next: 3,
      input: [1, 2, 3],
      número: 7,
    });
    expect(output.sameExecution).toBe(output.executionName);
  });

  it("Passing data between states with variables: OutputPath, TimeoutSecondsPath, MaxConcurrencyPath, ErrorPath and CausePath read variables; a state's OutputPath sees the variables from before it", async () => {
    const { ended, executionArn } = await run({
      StartAt: "Setup",
      States: {
        Setup: {
          Type: "Pass",
          Assign: {
            x: "old",
            list: [1, 2],
            timeout: 1,
            concurrency: 1,
            err: "Custom.Error",
            why: "timed out",
          },
          Next: "Out",
        },
        Out: { Type: "Pass", Assign: { x: "new" }, OutputPath: "$x", Next: "Check" },
        Check: {
          Type: "Choice",
          Choices: [
            {
              And: [
                { Variable: "$", StringEquals: "old" },
                { Variable: "$x", StringEquals: "new" },
              ],
              Next: "Each",
            },
          ],
          Default: "Wrong",
        },
        Wrong: { Type: "Fail", Error: "Wrong" },
        Each: {
          Type: "Map",
          ItemsPath: "$list",
          MaxConcurrencyPath: "$concurrency",
          ItemProcessor: { StartAt: "Item", States: { Item: { Type: "Pass", End: true } } },
          ResultPath: null,
          Next: "Wait for nobody",
        },
        "Wait for nobody": {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
          Parameters: { FunctionName: "ignore-token", Payload: { "token.$": "$$.Task.Token" } },
          TimeoutSecondsPath: "$timeout",
          Catch: [{ ErrorEquals: ["States.Timeout"], Next: "Fail" }],
          End: true,
        },
        Fail: { Type: "Fail", ErrorPath: "$err", CausePath: "$why" },
      },
    });
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("Custom.Error");
    expect(ended.cause).toBe("timed out");
    const types = (await historyOf(server.client, executionArn)).map((event) => event.type);
    expect(types).toContain("TaskTimedOut");
    expect(types).toContain("MapStateSucceeded");
  });

  it("Passing data between states with variables: a reference to a variable that was never assigned fails the execution with States.Runtime, which no Catch catches", async () => {
    const { ended } = await run({
      StartAt: "Use",
      States: {
        Use: {
          Type: "Task",
          Resource: `${FUNCTION_ARN}:get-price`,
          Parameters: { "sku.$": "$missing" },
          Catch: [{ ErrorEquals: ["States.ALL"], Next: "Caught" }],
          End: true,
        },
        Caught: { Type: "Succeed" },
      },
    });
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("States.Runtime");
    // The cause names the reference as written, not sfn-local's rewrite of it.
    expect(ended.cause).toContain("$missing");
    expect(ended.cause).not.toContain("SfnLocal");
  });

  it("Passing data between states with variables: an Assign path that selects nothing fails the state with States.Runtime", async () => {
    const { ended } = await run({
      StartAt: "Set",
      States: {
        Set: {
          Type: "Pass",
          Assign: { "x.$": "$.absent" },
          Next: "Done",
        },
        Done: { Type: "Succeed" },
      },
    });
    expect(ended.status).toBe("FAILED");
    expect(ended.error).toBe("States.Runtime");
    expect(ended.cause).toContain("Assign");
  });
});

describe("JSONPath variables sfn-local refuses at CreateStateMachine", () => {
  it("Passing data between states with variables: refuses assigning the reserved $states, a variable in ResultPath, Assign in a Succeed state, and a variable inside a filter expression", async () => {
    expect(
      await refusal({
        StartAt: "A",
        States: { A: { Type: "Pass", Assign: { "states.$": "$" }, End: true } },
      }),
    ).toContain("assigning the reserved variable $states");
    expect(
      await refusal({
        StartAt: "A",
        States: { A: { Type: "Pass", ResultPath: "$x", End: true } },
      }),
    ).toContain("a variable reference ($x) in ResultPath");
    expect(
      await refusal({
        StartAt: "A",
        States: { A: { Type: "Succeed", Assign: { x: 1 } } },
      }),
    ).toContain("Assign in a Succeed state");
    expect(
      await refusal({
        StartAt: "A",
        States: {
          A: { Type: "Pass", Parameters: { "cheap.$": "$.items[?(@.price < $max)]" }, End: true },
        },
      }),
    ).toContain("a variable reference inside a JSONPath filter expression");
    // `@` and `$` (the input) in a filter are not variables.
    await createStateMachine(server.client, {
      StartAt: "A",
      States: {
        A: { Type: "Pass", Parameters: { "cheap.$": "$.items[?(@.price < 10)]" }, End: true },
      },
    });
  });
});
