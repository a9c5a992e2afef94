import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import validateAsl from "asl-validator";
import { describe, expect, it } from "vitest";
import { ROOT } from "./run-tool.ts";

const WORKFLOWS = join(ROOT, "infra/workflows");
const files = readdirSync(WORKFLOWS).filter((file) => file.endsWith(".asl.json"));
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Fills every `${Name}` as infra/ does on deploy, with a made-up but well-formed Lambda ARN. */
function substituteDummyArns(text: string): string {
  return text.replace(
    PLACEHOLDER,
    (_match, name: string) => `arn:aws:lambda:us-east-1:123456789012:function:signoff-ci-${name}`,
  );
}

describe("the workflow definitions in infra/workflows", () => {
  it("are there to check", () => {
    expect(files).toContain("approval-demo.asl.json");
  });

  it.each(files)("%s is valid Amazon States Language once its ARNs are filled in", async (file) => {
    const definition: unknown = JSON.parse(
      substituteDummyArns(await readFile(join(WORKFLOWS, file), "utf8")),
    );
    const result = validateAsl(definition);
    expect(result.isValid, result.errorsText("\n")).toBe(true);
  });

  it("approval-demo.asl.json names the request function by the placeholder infra/workflow.ts fills", async () => {
    const text = await readFile(join(WORKFLOWS, "approval-demo.asl.json"), "utf8");
    const names = new Set(Array.from(text.matchAll(PLACEHOLDER), (match) => match[1]));
    expect([...names]).toEqual(["RequestApprovalFunctionArn"]);
  });
});
