import { InvalidDefinition } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import { createStateMachine, useTestServer } from "./test-support.ts";

// AWS's CreateStateMachine checks for the two query languages. The wording is AWS's, as
// ValidateStateMachineDefinition reports it (SCHEMA_VALIDATION_FAILED diagnostics).

const server = useTestServer();

async function refusal(definition: object): Promise<string> {
  try {
    await createStateMachine(server.client, definition, "validation");
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDefinition);
    return (error as Error).message;
  }
  throw new Error("expected CreateStateMachine to fail");
}

describe("query language validation at CreateStateMachine", () => {
  it("Transforming data with JSONata in Step Functions: refuses the five JSONPath fields in a JSONata state (JSONata has only Arguments and Output)", async () => {
    for (const field of ["Parameters", "InputPath", "ResultSelector", "ResultPath", "OutputPath"]) {
      const message = await refusal({
        QueryLanguage: "JSONata",
        StartAt: "Call",
        States: {
          Call: {
            Type: "Task",
            Resource: "arn:aws:states:::lambda:invoke",
            Arguments: { FunctionName: "f" },
            [field]: field === "Parameters" || field === "ResultSelector" ? {} : "$",
            End: true,
          },
        },
      });
      expect(message).toContain(
        `SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONata', but field '${field}' is only supported for the 'JSONPath' QueryLanguage at /States/Call`,
      );
    }
  });

  it("Transforming data with JSONata in Step Functions: refuses Arguments and Output in a JSONPath state, and a JSONata Catch's ResultPath", async () => {
    const output = await refusal({
      StartAt: "Shape",
      States: { Shape: { Type: "Pass", Output: { a: 1 }, End: true } },
    });
    expect(output).toContain(
      "SCHEMA_VALIDATION_FAILED: The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage at /States/Shape",
    );
    const catchResultPath = await refusal({
      QueryLanguage: "JSONata",
      StartAt: "Call",
      States: {
        Call: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Arguments: { FunctionName: "f" },
          Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Done" }],
          Next: "Done",
        },
        Done: { Type: "Succeed" },
      },
    });
    expect(catchResultPath).toContain("field 'ResultPath' is only supported for the 'JSONPath'");
    expect(catchResultPath).toContain("at /States/Call/Catch/0");
  });

  it("Transforming data with JSONata in Step Functions: refuses a JSONPath state inside a JSONata state machine", async () => {
    const message = await refusal({
      QueryLanguage: "JSONata",
      StartAt: "Old",
      States: { Old: { Type: "Pass", QueryLanguage: "JSONPath", End: true } },
    });
    expect(message).toContain(
      "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine at /States/Old",
    );
  });

  it("Transforming data with JSONata in Step Functions: refuses a {% %} expression that is not valid JSONata, naming the field and state", async () => {
    const message = await refusal({
      QueryLanguage: "JSONata",
      StartAt: "Shape",
      States: { Shape: { Type: "Pass", Output: { a: "{% $states.input. %}" }, End: true } },
    });
    // asl-validator, which sfn-local runs too, parses the expressions and names the place.
    expect(message).toContain("SCHEMA_VALIDATION_FAILED: /States/Shape/Output/a is invalid");
  });

  it("Transforming data with JSONata in Step Functions: a JSONata Condition replaces the JSONPath Variable rules in a Choice", async () => {
    const message = await refusal({
      QueryLanguage: "JSONata",
      StartAt: "Route",
      States: {
        Route: {
          Type: "Choice",
          Choices: [{ Variable: "$.a", IsPresent: true, Next: "Done" }],
          Default: "Done",
        },
        Done: { Type: "Succeed" },
      },
    });
    expect(message).toContain(
      "field 'Variable' is only supported for the 'JSONPath' QueryLanguage at /States/Route/Choices/0",
    );
  });
});

describe("the JSONata version", () => {
  it("Transforming data with JSONata in Step Functions (JSONata 2.0.6): refuses the ?? and ?: operators, which came with JSONata 2.1.0", async () => {
    for (const operator of ["??", "?:"]) {
      const message = await refusal({
        QueryLanguage: "JSONata",
        StartAt: "Shape",
        States: {
          Shape: { Type: "Pass", Output: `{% $states.input.a ${operator} 'x' %}`, End: true },
        },
      });
      expect(message).toContain(`uses the '${operator}' operator, which JSONata 2.0.6`);
    }
    // Inside a string literal they are just text.
    await createStateMachine(server.client, {
      QueryLanguage: "JSONata",
      StartAt: "Shape",
      States: { Shape: { Type: "Pass", Output: "{% 'what?? ?:' %}", End: true } },
    });
  });
});
