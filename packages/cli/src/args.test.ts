import { describe, expect, it } from "vitest";
import { parseCliArgs } from "./args.ts";
import { UsageError } from "./errors.ts";

function usageErrorOf(argv: string[]): string {
  try {
    parseCliArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  return expect.fail(`parsed ${argv.join(" ")} without a usage error`);
}

describe("parseCliArgs", () => {
  it("reads list filters, with the approver defaulting to me", () => {
    expect(parseCliArgs(["approvals", "list"])).toEqual({
      kind: "run",
      command: { action: "list", filters: { approver: "me" }, all: false },
      connection: {},
      json: false,
    });
    const parsed = parseCliArgs([
      "approvals",
      "list",
      "--status",
      "pending",
      "--approver",
      "bob@example.com",
      "--tag",
      "prod",
      "--execution",
      "arn:aws:states:us-east-1:1:execution:m:e",
      "--limit",
      "5",
      "--all",
      "--json",
    ]);
    expect(parsed).toMatchObject({
      command: {
        action: "list",
        filters: {
          status: "PENDING",
          approver: "bob@example.com",
          tag: "prod",
          execution: "arn:aws:states:us-east-1:1:execution:m:e",
          limit: 5,
        },
        all: true,
      },
      json: true,
    });
  });

  it("reads a decision's form answers as a JSON object, refusing anything else", () => {
    expect(
      parseCliArgs(["approvals", "approve", "abc", "--response", '{"amount": 2500, "ok": true}']),
    ).toMatchObject({
      command: { action: "approve", id: "abc", response: { amount: 2500, ok: true } },
    });
    expect(usageErrorOf(["approvals", "approve", "a", "--response", "amount=1"])).toMatch(
      /--response must be a JSON object/,
    );
    expect(usageErrorOf(["approvals", "approve", "a", "--response", "[1]"])).toMatch(
      /--response must be a JSON object/,
    );
    expect(usageErrorOf(["approvals", "approve", "a", "--response", '{"a": {"b": 1}}'])).toMatch(
      /"a" must be text, a number or true\/false/,
    );
    expect(usageErrorOf(["approvals", "show", "a", "--response", "{}"])).toMatch(
      /--response only applies to approve and reject/,
    );
  });

  it("reads a decision with its comment and the connection flags", () => {
    expect(
      parseCliArgs([
        "approvals",
        "approve",
        "abc",
        "--comment",
        "ship it",
        "--url",
        "http://127.0.0.1:3000",
        "--as",
        "bob@example.com",
      ]),
    ).toEqual({
      kind: "run",
      command: { action: "approve", id: "abc", comment: "ship it" },
      connection: { url: "http://127.0.0.1:3000", as: "bob@example.com" },
      json: false,
    });
    expect(parseCliArgs(["approvals", "reject", "abc"])).toMatchObject({
      command: { action: "reject", id: "abc" },
    });
  });

  it("answers --help before anything else is checked", () => {
    expect(parseCliArgs(["--help"])).toEqual({ kind: "help" });
    expect(parseCliArgs(["approvals", "frob", "-h"])).toEqual({ kind: "help" });
  });

  it("names what is wrong with a command line it cannot run", () => {
    expect(usageErrorOf([])).toMatch(/no command given/);
    expect(usageErrorOf(["users"])).toMatch(/unknown command "users"/);
    expect(usageErrorOf(["approvals"])).toMatch(/needs a command/);
    expect(usageErrorOf(["approvals", "frob"])).toMatch(/unknown command "approvals frob"/);
    expect(usageErrorOf(["approvals", "show"])).toBe("approvals show needs an approval id");
    expect(usageErrorOf(["approvals", "show", "a", "b"])).toMatch(/unexpected argument "b"/);
    expect(usageErrorOf(["approvals", "list", "--bogus"])).toMatch(/--bogus.*signoff --help/);
    expect(usageErrorOf(["approvals", "list", "--limit"])).toMatch(/--limit/);
    expect(usageErrorOf(["approvals", "list", "--limit", "101"])).toMatch(/1 to 100/);
    expect(usageErrorOf(["approvals", "list", "--limit", "2.5"])).toMatch(/1 to 100/);
    expect(usageErrorOf(["approvals", "list", "--status", "DONE"])).toMatch(/PENDING, APPROVED/);
    expect(usageErrorOf(["approvals", "show", "a", "--status", "PENDING"])).toBe(
      "--status only applies to approvals list",
    );
    expect(usageErrorOf(["approvals", "resend", "a", "--comment", "x"])).toMatch(/--comment/);
    expect(usageErrorOf(["approvals", "list", "--token", "t", "--as", "a@b.c"])).toMatch(
      /--token or --as/,
    );
  });
});
