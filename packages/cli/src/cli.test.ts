import { describe, expect, it } from "vitest";
import { describeError, redact, runCli } from "./cli.ts";

/** Runs the CLI in process with a stub fetch; returns its exit code and output. */
async function run(argv: string[], fetch: (request: Request) => Promise<Response>) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, {
    env: {},
    cwd: "/",
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    fetch,
  });
  return { code, stdout, stderr };
}

const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJlbWFpbCI6ImFubkBleGFtcGxlLmNvbSJ9.c2lnbmF0dXJl";
const CONNECTION = ["--url", "http://127.0.0.1:3000", "--token", TOKEN];

describe("runCli", () => {
  it("prints the usage for --help and exits 0", async () => {
    const result = await run(["--help"], () => expect.fail("no request for --help"));
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toMatch(/^Usage: signoff approvals <command>/);
  });

  it("exits 2 with one line for a usage error, before any request", async () => {
    const result = await run(["approvals", "show"], () => expect.fail("no request"));
    expect(result).toEqual({
      code: 2,
      stdout: "",
      stderr: "signoff: approvals show needs an approval id\n",
    });
  });

  it("exits 1 with one line naming the API's problem, and never the token", async () => {
    // A proxy that echoes what it was sent, as a careless one might.
    const result = await run(["approvals", "show", "abc", ...CONNECTION], async (request) =>
      Response.json(
        {
          type: "urn:signoff:problem:unauthorized",
          title: "Unauthorized",
          status: 401,
          detail: `Rejected ${request.headers.get("Authorization")}`,
        },
        { status: 401, headers: { "Content-Type": "application/problem+json" } },
      ),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "signoff: the API answered 401 Unauthorized: Rejected Bearer [token]\n",
    );
  });

  it("sends form answers with a decision and names each refused one on the same line", async () => {
    let sent: unknown;
    const result = await run(
      ["approvals", "approve", "abc", "--response", '{"amount": 0}', ...CONNECTION],
      async (request) => {
        sent = await request.json();
        return Response.json(
          {
            type: "urn:signoff:problem:invalid-request",
            title: "Invalid request",
            status: 400,
            detail: "The response does not fit the form.",
            issues: [
              { path: "response.amount", message: "must be at least 1" },
              { path: "response.region", message: "is required" },
            ],
          },
          { status: 400, headers: { "Content-Type": "application/problem+json" } },
        );
      },
    );
    expect(sent).toEqual({ decision: "approve", response: { amount: 0 } });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "signoff: the API answered 400 Invalid request: The response does not fit the form. (response.amount must be at least 1; response.region is required)\n",
    );
  });

  it("shows an approval's webhook messages and sends given-up ones again (admins)", async () => {
    const calls: string[] = [];
    const answer = async (request: Request) => {
      calls.push(`${request.method} ${new URL(request.url).pathname}`);
      if (request.method === "GET") {
        return Response.json({
          webhooks: [
            {
              webhookId: "msg_abc_1",
              type: "approval.requested",
              state: "GAVE_UP",
              attempts: 8,
              replays: 0,
              urls: [{ url: "https://dash.example.com/hooks", delivered: false }],
              lastError: "url 0: HTTP 503",
              createdAt: "2026-12-05T12:00:00.000Z",
            },
            {
              webhookId: "msg_abc_4",
              type: "approval.settled",
              state: "PENDING",
              attempts: 1,
              replays: 1,
              urls: [{ url: "https://dash.example.com/hooks", delivered: false }],
              nextAttemptAt: "2026-12-05T12:01:00.000Z",
              createdAt: "2026-12-05T12:00:03.000Z",
            },
          ],
        });
      }
      return Response.json({ requeued: ["msg_abc_1"] }, { status: 202 });
    };
    const listed = await run(["approvals", "webhooks", "abc", ...CONNECTION], answer);
    expect(listed).toEqual({
      code: 0,
      stderr: "",
      stdout:
        "msg_abc_1 approval.requested: GAVE_UP, 0/1 URLs, 8 attempt(s) (last error: url 0: HTTP 503)\n" +
        "msg_abc_4 approval.settled: PENDING, 0/1 URLs, 1 attempt(s), replayed 1×, next attempt 2026-12-05T12:01:00.000Z\n",
    });
    const replayed = await run(["approvals", "replay-webhooks", "abc", ...CONNECTION], answer);
    expect(replayed.stdout).toBe(
      "Sending again: msg_abc_1 (the sweeper delivers them within a minute).\n",
    );
    expect(calls).toEqual([
      "GET /v1/approvals/abc/webhooks",
      "POST /v1/approvals/abc/webhooks/replay",
    ]);
  });

  it("lets no control character from the server reach the terminal", async () => {
    const hostile = "\u001b]8;;https://evil.example.com\u0007click\u001b[2J";
    const problem = await run(["approvals", "show", "abc", ...CONNECTION], async () =>
      Response.json(
        { type: "urn:signoff:problem:conflict", title: `Conflict${hostile}`, status: 409 },
        { status: 409, headers: { "Content-Type": "application/problem+json" } },
      ),
    );
    expect(problem.code).toBe(1);
    const listed = await run(["approvals", "list", ...CONNECTION], async () =>
      Response.json({
        approvals: [
          {
            id: "a",
            status: `PENDING${hostile}`,
            subject: "s",
            approvers: ["ann@example.com"],
            decisions: {},
            policy: { required: 1 },
            deadline: "2026-12-01T00:00:00.000Z",
          },
        ],
        nextCursor: `c${hostile}`,
      }),
    );
    expect(listed.code).toBe(0);
    for (const output of [problem.stderr, listed.stdout]) {
      expect(output).toContain("\\u001b");
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point.
      expect(output).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    }
  });

  it("exits 1 with one line when the API cannot be reached", async () => {
    const result = await run(["approvals", "list", ...CONNECTION], async () => {
      throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
    });
    expect(result).toMatchObject({
      code: 1,
      stderr: "signoff: cannot reach the signoff API at http://127.0.0.1:3000 (ECONNREFUSED)\n",
    });
  });
});

describe("redact", () => {
  it("blanks the token, anything JWT-shaped, and line breaks", () => {
    expect(redact(`a ${TOKEN} b`, TOKEN)).toBe("a [token] b");
    expect(redact("x eyJa.eyJb.c y", undefined)).toBe("x [token] y");
    expect(redact("one\ntwo", undefined)).toBe("one two");
  });

  it("describes an unexpected error by its message alone", () => {
    expect(describeError(new Error("boom"), undefined)).toBe("unexpected error: boom");
  });
});
