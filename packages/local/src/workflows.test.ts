// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ASL placeholders are written ${Name}, in plain strings on purpose.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadWorkflows, substitutePlaceholders } from "./workflows.ts";

describe("substitutePlaceholders", () => {
  it("replaces ${Name} inside string values and leaves everything else alone", () => {
    const definition = {
      StartAt: "Ask",
      States: {
        Ask: {
          Resource: "arn:aws:states:::lambda:invoke.waitForTaskToken",
          Parameters: {
            FunctionName: "${RequestFunctionArn}",
            Payload: { "token.$": "$$.Task.Token", label: "fn ${RequestFunctionArn} v2" },
          },
          TimeoutSeconds: 60,
          End: true,
        },
      },
    };
    expect(
      substitutePlaceholders(definition, { RequestFunctionArn: "request-approval" }, "x"),
    ).toEqual({
      ...definition,
      States: {
        Ask: {
          ...definition.States.Ask,
          Parameters: {
            FunctionName: "request-approval",
            Payload: { "token.$": "$$.Task.Token", label: "fn request-approval v2" },
          },
        },
      },
    });
  });

  it("keeps characters a value brings from breaking the JSON", () => {
    const substituted = substitutePlaceholders({ a: "${V}" }, { V: 'quote " and \\ slash' }, "x");
    expect(JSON.parse(JSON.stringify(substituted))).toEqual({ a: 'quote " and \\ slash' });
  });

  it("fails naming the file and the placeholder when no value is given", () => {
    expect(() => substitutePlaceholders({ a: ["${Missing}"] }, {}, "flow.asl.json")).toThrow(
      "flow.asl.json uses ${Missing} but no value was given for it",
    );
  });
});

describe("loadWorkflows", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "signoff-workflows-"));
    await writeFile(join(dir, "b-flow.asl.json"), '{"StartAt":"S","Comment":"${Who}"}');
    await writeFile(join(dir, "a-flow.asl.json"), '{"StartAt":"S"}');
    await writeFile(join(dir, "notes.json"), "{}");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads every .asl.json, named by its basename, in name order", async () => {
    const workflows = await loadWorkflows(dir, { Who: "me" });
    expect(workflows.map(({ name, definition }) => ({ name, definition }))).toEqual([
      { name: "a-flow", definition: '{"StartAt":"S"}' },
      { name: "b-flow", definition: '{"StartAt":"S","Comment":"me"}' },
    ]);
  });

  it("names the file that is not valid JSON", async () => {
    const broken = await mkdtemp(join(tmpdir(), "signoff-workflows-"));
    try {
      await writeFile(join(broken, "broken.asl.json"), "{ not json");
      await expect(loadWorkflows(broken, {})).rejects.toThrow(
        /broken\.asl\.json is not valid JSON/,
      );
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
