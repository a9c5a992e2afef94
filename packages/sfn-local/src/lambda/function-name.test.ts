import { describe, expect, it } from "vitest";
import { parseFunctionName } from "./function-name.ts";

describe("parseFunctionName", () => {
  it("accepts a bare name, a name with an alias, a partial ARN and a full ARN", () => {
    expect(parseFunctionName("review")).toEqual({ name: "review" });
    expect(parseFunctionName("review:prod")).toEqual({ name: "review", qualifier: "prod" });
    expect(parseFunctionName("123456789012:function:review:3")).toEqual({
      name: "review",
      qualifier: "3",
    });
    expect(parseFunctionName("arn:aws:lambda:us-east-1:123456789012:function:review")).toEqual({
      name: "review",
    });
  });

  it("lets a separate Qualifier parameter win over the one in the name", () => {
    expect(parseFunctionName("review:old", "prod-v1")).toEqual({
      name: "review",
      qualifier: "prod-v1",
    });
  });

  it("rejects names it cannot read", () => {
    expect(parseFunctionName("")).toBeUndefined();
    expect(parseFunctionName("a:b:c")).toBeUndefined();
  });
});
