import { describe, expect, it } from "vitest";
import {
  restoreReferences,
  rewriteContextReferences,
  rewriteTemplate,
} from "./context-references.ts";

describe("rewriteContextReferences", () => {
  it("redirects $$.Execution paths to the branch sfn-local keeps correct", () => {
    expect(rewriteContextReferences("$$.Execution.Input.order")).toBe(
      "$$.SfnLocal.Execution.Input.order",
    );
    expect(rewriteContextReferences("$$['Execution'].Id")).toBe("$$.SfnLocal.Execution.Id");
  });

  it("redirects a bare $$ to a snapshot of the whole context object", () => {
    expect(rewriteContextReferences("$$")).toBe("$$.SfnLocal.Context");
    expect(rewriteContextReferences("States.JsonToString($$)")).toBe(
      "States.JsonToString($$.SfnLocal.Context)",
    );
  });

  it("leaves other context paths, input paths and quoted literals untouched", () => {
    expect(rewriteContextReferences("$$.Task.Token")).toBe("$$.Task.Token");
    expect(rewriteContextReferences("$$.ExecutionX")).toBe("$$.ExecutionX");
    expect(rewriteContextReferences("$.Execution.Input")).toBe("$.Execution.Input");
    expect(rewriteContextReferences("States.Format('$$.Execution {}', $$.Execution.Name)")).toBe(
      "States.Format('$$.Execution {}', $$.SfnLocal.Execution.Name)",
    );
  });

  it("redirects variable references ($name, $name.path, $name[0]) to the run's live variables", () => {
    expect(rewriteContextReferences("$order.items[0]")).toBe(
      "$$.SfnLocal.Variables.order.items[0]",
    );
    expect(rewriteContextReferences("$x")).toBe("$$.SfnLocal.Variables.x");
    expect(rewriteContextReferences("States.Format('{} $nobody', $name,$count)")).toBe(
      "States.Format('{} $nobody', $$.SfnLocal.Variables.name,$$.SfnLocal.Variables.count)",
    );
    expect(rewriteContextReferences("$.x")).toBe("$.x");
    expect(rewriteContextReferences("$['x']")).toBe("$['x']");
    expect(rewriteContextReferences("$$.Map.Item.Value")).toBe("$$.Map.Item.Value");
    expect(rewriteContextReferences("$.a$b")).toBe("$.a$b");
  });

  it("restores the references as written in messages about rewritten paths", () => {
    const written = "States.Format('{} {}', $name.first, $$.Execution.Id) and $$";
    expect(restoreReferences(rewriteContextReferences(written))).toBe(written);
  });

  it("rewrites only the expression values of a payload template", () => {
    expect(
      rewriteTemplate({
        "id.$": "$$.Execution.Id",
        literal: "$$.Execution.Id",
        nested: [{ "input.$": "$$.Execution.Input" }],
      }),
    ).toEqual({
      "id.$": "$$.SfnLocal.Execution.Id",
      literal: "$$.Execution.Id",
      nested: [{ "input.$": "$$.SfnLocal.Execution.Input" }],
    });
  });
});
